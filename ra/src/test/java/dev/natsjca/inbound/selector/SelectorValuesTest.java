package dev.natsjca.inbound.selector;

import static dev.natsjca.inbound.selector.SelectorTesting.assertFalse;
import static dev.natsjca.inbound.selector.SelectorTesting.assertMatches;
import static dev.natsjca.inbound.selector.SelectorTesting.assertUnknown;
import static dev.natsjca.inbound.selector.SelectorTesting.headers;
import static dev.natsjca.inbound.selector.SelectorTesting.parse;
import static dev.natsjca.inbound.selector.SelectorTesting.truth;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import io.nats.client.impl.Headers;

/** Literals, identifiers, header lookup, the subject, ANY(...) and type conversion. */
class SelectorValuesTest {

    @Test
    void pubSubExample() {
        Headers h = headers("tm.event", "Tx", "tx.height", "7");
        assertTrue(parse("\"tm.event\" = 'Tx' AND tx.height > 5").matches("events", h));
        assertTrue(parse("tm.event = 'Tx' AND tx.height > 5").matches("events", h));
        assertTrue(!parse("tm.event = 'Tx' AND tx.height > 5").matches("events", headers("tm.event", "Tx", "tx.height", "5")));
        assertTrue(!parse("tm.event = 'Tx' AND tx.height > 5").matches("events", headers("tm.event", "NewBlock", "tx.height", "9")));
        assertTrue(!parse("tm.event = 'Tx' AND tx.height > 5").matches("events", headers("tm.event", "Tx")));
        assertTrue(!parse("tm.event = 'Tx' AND tx.height > 5").matches("events", null));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"n = 57", "n = 057", "m = -957", "m = - 957", "p = +62", "a = 7E3", "a = 7e3", "a = 7000.",
            "a = 7.0E+3", "a = 70000E-1", "f = .5", "f = 0.5", "f = 5E-1", "g = -57.9E2", "g = -5790", "t = 7.",
            "z = 0", "z = -0", "z = 0.0", "z = -0.0", "big = 9223372036854775807", "small = -9223372036854775808"})
    void numericLiterals(String selector) {
        assertMatches(selector, "n", "57", "m", "-957", "p", "62", "a", "7000", "f", "0.5", "g", "-5790", "t", "7",
                "z", "0", "big", "9223372036854775807", "small", "-9223372036854775808");
    }

    @ParameterizedTest(name = "header {0} = {1}")
    @CsvSource({
            "7, 7", "7, 7.0", "-3, -3", "+3, 3", "3.5, 3.5", "1e1, 10", "1E+1, 10", "100E-2, 1", ".5, 0.5", "5., 5",
            "007, 7", "-0, 0", "99999999999999999999, 1E20", "9223372036854775807, 9223372036854775807"
    })
    void headerValuesConvertToNumbers(String value, String literal) {
        assertMatches("x = " + literal, "x", value);
    }

    @ParameterizedTest(name = "header ''{0}'' is no number")
    @ValueSource(strings = {"abc", "", " 7", "7 ", "0x10", "1_000", "1,5", "NaN", "Infinity", "-", "+", ".", "e5", "1e",
            "1e+", "7L", "7d", "1.2.3", "--1"})
    void headerValuesThatAreNoNumberAreNull(String value) {
        assertUnknown("x = 7", "x", value);
        assertUnknown("x > 7", "x", value);
        assertUnknown("NOT x < 7", "x", value);
        assertUnknown("x BETWEEN 0 AND 10", "x", value);
    }

    @Test
    void stringLiterals() {
        assertMatches("s = 'it''s'", "s", "it's");
        assertMatches("s = ''''", "s", "'");
        assertMatches("s = ''", "s", "");
        assertMatches("s = 'a \"quoted\" word'", "s", "a \"quoted\" word");
        assertMatches("s = '  spaced  '", "s", "  spaced  ");
        assertMatches("s = 'AND OR NOT'", "s", "AND OR NOT");
        assertMatches("s = '7'", "s", "7");
        assertFalse("s = '7'", "s", "7.0");
    }

    @Test
    void nonAsciiStringLiteralsAgainstSubjectTokens() {
        // jnats rejects a header value that is not ASCII; a subject may be any UTF-8.
        assertEquals(Tri.TRUE, truth("$subject[2] = 'Zürich' AND $subject[3] = '東京'", "weather.Zürich.東京", null));
        assertEquals(Tri.TRUE, truth("$subject[2] IN ('Genève', 'Zürich')", "weather.Zürich", null));
        assertEquals(Tri.TRUE, truth("$subject LIKE '%.東_'", "weather.東京", null));
        assertEquals(Tri.TRUE, truth("$subject[2] LIKE '_ürich'", "weather.Zürich", null));
        assertEquals(Tri.TRUE, truth("$subject[2] LIKE 'ok_'", "weather.ok😀", null));
        assertEquals(Tri.FALSE, truth("$subject[2] = 'Zurich'", "weather.Zürich", null));
    }

    @Test
    void nonAsciiHeaderValues() {
        // A Headers that bypasses jnats's ASCII check, for values another client might one day send.
        Headers h = new Headers() {
            @Override
            public String getFirst(String key) {
                return key.equals("city") ? "Zürich" : null;
            }

            @Override
            public List<String> get(String key) {
                return key.equals("city") ? List.of("東京", "Zürich") : null;
            }
        };
        assertEquals(Tri.TRUE, truth("city = 'Zürich'", "x", h));
        assertEquals(Tri.TRUE, truth("city LIKE 'Z_rich'", "x", h));
        assertEquals(Tri.TRUE, truth("ANY(city) = '東京'", "x", h));
        assertEquals(Tri.FALSE, truth("city = '東京'", "x", h));
    }

    @Test
    void nonAsciiBareIdentifiersParse() {
        assertEquals("größe > 3", parse("größe > 3").text());
        assertEquals(Tri.UNKNOWN, truth("größe > 3 OR 東京 = 'x'", headers("a", "1")));
    }

    @Test
    void identifiers() {
        assertMatches("_a = '1' AND $b = '2' AND a1 = '3' AND a.b.c = '4' AND a_b$c = '5' AND a. = '6'",
                "_a", "1", "$b", "2", "a1", "3", "a.b.c", "4", "a_b$c", "5", "a.", "6");
        assertMatches("\"Content-Type\" = 'application/json'", "Content-Type", "application/json");
        assertMatches("\"Nats-Msg-Id\" IS NOT NULL", "Nats-Msg-Id", "42");
        assertMatches("\"AND\" = 'x' AND \"null\" = 'y' AND \"any\" = 'z'", "AND", "x", "null", "y", "any", "z");
        assertMatches("\"a\"\"b\" = 'x'", "a\"b", "x");
        assertMatches("\"x y\" IS NULL");
        assertMatches("\"$subject\" = 'h'", "$subject", "h");
        assertMatches("\"7up\" = 'yes'", "7up", "yes");
    }

    @Test
    void keywordsAreCaseInsensitive() {
        assertMatches("a = 1 and b = 2 Or c = 3", "a", "1", "b", "2");
        assertMatches("a not between 2 and 3 AND a Is Not Null AND NoT a In ('5')", "a", "1");
        assertMatches("s like 'a!%%' escape '!'", "s", "a%b");
        assertMatches("true and not false");
        assertMatches("flag = true", "flag", "TRUE");
        assertMatches("any(tags) = 'b'", "tags", "b");
        assertMatches("$SUBJECT = 'orders.eu.placed' AND $Subject[2] = 'eu'");
    }

    @Test
    void headerNameMatchesExactlyThenIgnoringCase() {
        Headers h = new Headers().add("Tags", "upper").add("tags", "lower").add("Priority", "5");
        assertEquals(Tri.TRUE, truth("Tags = 'upper' AND tags = 'lower'", h));
        assertEquals(Tri.TRUE, truth("priority = 5 AND PRIORITY = 5 AND \"priority\" > 4", h));
        // Neither exact: whichever of the two comes first, never both.
        assertEquals(Tri.TRUE, truth("TAGS IN ('upper', 'lower')", h));
        assertEquals(Tri.FALSE, truth("TAGS = 'upper' AND TAGS = 'lower'", h));
        assertEquals(Tri.TRUE, truth("ANY(PRIORITY) = 5", h));
        assertEquals(Tri.TRUE, truth("nope IS NULL AND NOPE IS NULL", h));
    }

    @Test
    void identifierIsTheFirstValue() {
        Headers h = new Headers().add("h", "a", "b");
        assertEquals(Tri.TRUE, truth("h = 'a'", h));
        assertEquals(Tri.FALSE, truth("h = 'b'", h));
    }

    @Test
    void booleans() {
        for (String t : List.of("true", "TRUE", "True")) {
            assertMatches("flag = TRUE", "flag", t);
            assertMatches("TRUE = flag", "flag", t);
            assertMatches("flag <> FALSE", "flag", t);
            assertFalse("flag = FALSE", "flag", t);
        }
        assertMatches("flag = FALSE", "flag", "false");
        assertMatches("flag <> TRUE", "flag", "False");
        assertUnknown("flag = TRUE", "flag", "yes");
        assertUnknown("flag = TRUE", "flag", "1");
        assertUnknown("flag <> TRUE", "flag", "");
        assertUnknown("flag = TRUE");
        assertUnknown("NOT flag = TRUE");
        assertMatches("flag = 'true'", "flag", "true");
        assertFalse("flag = 'true'", "flag", "TRUE");
    }

    @Test
    void subject() {
        assertMatches("$subject = 'orders.eu.placed'");
        assertMatches("$subject LIKE 'orders.%'");
        assertMatches("$subject[1] = 'orders' AND $subject[2] = 'eu' AND $subject[3] = 'placed'");
        assertMatches("$subject[2] IN ('eu', 'us')");
        assertMatches("$subject[4] IS NULL AND $subject[3] IS NOT NULL");
        assertMatches("$subject[ 2 ] = 'eu'");
        assertUnknown("$subject[4] = 'x'");
        assertUnknown("$subject[2147483647] = 'x'");
        assertUnknown("$subject[99999999999] = 'x'");
        assertEquals(Tri.TRUE, truth("$subject[1] = 'single' AND $subject[2] IS NULL", "single", null));
        assertEquals(Tri.TRUE, truth("$subject[2] > 10 AND $subject[2] BETWEEN 40 AND 50", "orders.42", null));
        assertEquals(Tri.UNKNOWN, truth("$subject[1] > 10", "orders.42", null));
        assertEquals(Tri.TRUE, truth("$subject IS NULL AND $subject[1] IS NULL", null, null));
        assertEquals(Tri.TRUE, truth("$subject = region", "eu", headers("region", "eu")));
        assertEquals(Tri.TRUE, truth("$subject[2] = region", "orders.eu", headers("region", "eu")));
    }

    @Test
    void anyTestsEachValueOfAHeader() {
        Headers tags = new Headers().add("tags", "a", "urgent");
        assertEquals(Tri.TRUE, truth("ANY(tags) = 'urgent'", tags));
        assertEquals(Tri.FALSE, truth("tags = 'urgent'", tags));
        assertEquals(Tri.FALSE, truth("ANY(tags) = 'b'", tags));
        assertEquals(Tri.TRUE, truth("ANY(tags) <> 'a'", tags));
        assertEquals(Tri.TRUE, truth("ANY(tags) IN ('x', 'a')", tags));
        assertEquals(Tri.TRUE, truth("ANY(tags) NOT IN ('a')", tags));
        assertEquals(Tri.FALSE, truth("ANY(tags) NOT IN ('a', 'urgent')", tags));
        assertEquals(Tri.TRUE, truth("ANY(tags) LIKE 'urg%'", tags));
        assertEquals(Tri.TRUE, truth("ANY(tags) NOT LIKE 'urg%'", tags));
        assertEquals(Tri.FALSE, truth("NOT ANY(tags) = 'urgent'", tags));
        assertEquals(Tri.TRUE, truth("NOT ANY(tags) = 'b'", tags));
        assertEquals(Tri.FALSE, truth("ANY(tags) IS NULL", tags));
        assertEquals(Tri.TRUE, truth("ANY(tags) IS NOT NULL", tags));
        assertEquals(Tri.TRUE, truth("ANY(tags) = 'urgent' AND ANY(tags) = 'a'", tags));
        assertEquals(Tri.TRUE, truth("ANY(TAGS) = 'urgent'", tags));
        assertEquals(Tri.TRUE, truth("ANY(\"X-Region\") IN ('eu', 'us')", new Headers().add("X-Region", "ap", "us")));
    }

    @Test
    void anyOverNumbersAndBooleans() {
        assertEquals(Tri.TRUE, truth("ANY(n) > 5", new Headers().add("n", "1", "abc", "7")));
        assertEquals(Tri.UNKNOWN, truth("ANY(n) > 5", new Headers().add("n", "1", "abc")));
        assertEquals(Tri.FALSE, truth("ANY(n) > 5", new Headers().add("n", "1", "2")));
        assertEquals(Tri.TRUE, truth("ANY(n) BETWEEN 2 AND 4", new Headers().add("n", "1", "3")));
        assertEquals(Tri.TRUE, truth("ANY(n) NOT BETWEEN 2 AND 4", new Headers().add("n", "3", "9")));
        assertEquals(Tri.TRUE, truth("ANY(n) = m", new Headers().add("n", "1", "2").add("m", "2")));
        assertEquals(Tri.TRUE, truth("ANY(n) < m * 2", new Headers().add("n", "9", "3").add("m", "2")));
        assertEquals(Tri.TRUE, truth("ANY(flag) = TRUE", new Headers().add("flag", "no", "true")));
    }

    @Test
    void anyOverAnAbsentHeader() {
        assertMatches("ANY(tags) IS NULL");
        assertFalse("ANY(tags) IS NOT NULL");
        assertUnknown("ANY(tags) = 'x'");
        assertUnknown("NOT ANY(tags) = 'x'");
        assertUnknown("ANY(tags) NOT IN ('x')");
        assertUnknown("ANY(tags) LIKE '%'");
        assertUnknown("ANY(tags) > 1");
        assertEquals(Tri.TRUE, truth("ANY(tags) IS NULL", SelectorTesting.SUBJECT, null));
    }

    @Test
    void textIsAsGiven() throws SelectorSyntaxException {
        String text = "  a = 'x'   AND b  IS NULL ";
        Selector s = Selector.parse(text);
        assertEquals(text, s.text());
        assertEquals(text, s.toString());
    }
}
