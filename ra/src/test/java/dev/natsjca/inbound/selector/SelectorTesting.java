package dev.natsjca.inbound.selector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.nats.client.impl.Headers;

/** Helpers shared by the selector tests. */
final class SelectorTesting {

    static final String SUBJECT = "orders.eu.placed";

    private SelectorTesting() {
    }

    /** @param pairs header name, value, name, value ... */
    static Headers headers(String... pairs) {
        Headers h = new Headers();
        for (int i = 0; i < pairs.length; i += 2) {
            h.add(pairs[i], pairs[i + 1]);
        }
        return h;
    }

    static Selector parse(String selector) {
        try {
            return Selector.parse(selector);
        } catch (SelectorSyntaxException e) {
            return fail("'" + selector + "' should parse: " + e.getMessage(), e);
        }
    }

    /** The selector's three-valued result, telling FALSE from UNKNOWN, which {@code matches} does not. */
    static Tri truth(String selector, String subject, Headers headers) {
        Selector s = parse(selector);
        Tri t = s.root().test(new Eval(subject, headers));
        // matches must agree: TRUE and nothing else matches.
        assertEquals(t == Tri.TRUE, s.matches(subject, headers), selector);
        return t;
    }

    static Tri truth(String selector, Headers headers) {
        return truth(selector, SUBJECT, headers);
    }

    static Tri truth(String selector, String... pairs) {
        return truth(selector, SUBJECT, headers(pairs));
    }

    static void assertTruth(Tri expected, String selector, String... pairs) {
        assertEquals(expected, truth(selector, pairs), selector);
    }

    static void assertMatches(String selector, String... pairs) {
        assertTruth(Tri.TRUE, selector, pairs);
    }

    static void assertFalse(String selector, String... pairs) {
        assertTruth(Tri.FALSE, selector, pairs);
    }

    static void assertUnknown(String selector, String... pairs) {
        assertTruth(Tri.UNKNOWN, selector, pairs);
    }
}
