package dev.natsjca.inbound.selector;

import java.util.Objects;

import io.nats.client.impl.Headers;

/**
 * A parsed message selector: a condition, in JMS message-selector syntax, on a NATS message's
 * headers and subject. The grammar is in the {@linkplain dev.natsjca.inbound.selector package
 * documentation}.
 *
 * <p>Immutable and thread-safe: parse once, then call {@link #matches} from any number of
 * threads. Evaluation allocates little (no boxing, no regular expressions) and splits the subject
 * only for a selector that uses {@code $subject[n]}.
 */
public final class Selector {

    private final String text;
    private final Condition root;

    private Selector(String text, Condition root) {
        this.text = text;
        this.root = root;
    }

    /**
     * @param text the selector, at most 4096 characters
     * @return the parsed selector
     * @throws SelectorSyntaxException when {@code text} is blank, does not parse, is not a condition
     *         (just {@code price}), breaks a type rule ({@code 'a' < name}), is longer than 4096
     *         characters or nests deeper than 100 levels; it names the position (1-based) and what
     *         was expected there
     * @throws NullPointerException when {@code text} is {@code null}: no selector is the caller's case
     */
    public static Selector parse(String text) throws SelectorSyntaxException {
        Objects.requireNonNull(text, "text");
        return new Selector(text, Parser.parse(text));
    }

    /**
     * @param subject the message's subject
     * @param headers the message's headers, {@code null} when it has none
     * @return {@code true} only when the selector is TRUE for the message: FALSE and UNKNOWN (a
     *         NULL operand: an absent header, a value that is no number) do not match
     */
    public boolean matches(String subject, Headers headers) {
        return root.test(new Eval(subject, headers)) == Tri.TRUE;
    }

    /** @return the selector as given to {@link #parse} */
    public String text() {
        return text;
    }

    /** @return the selector as given to {@link #parse} */
    @Override
    public String toString() {
        return text;
    }

    /** The parsed tree, for tests. */
    Condition root() {
        return root;
    }
}
