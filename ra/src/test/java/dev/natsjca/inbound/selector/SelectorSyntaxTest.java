package dev.natsjca.inbound.selector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Selectors that must not parse: each error's position and message. */
class SelectorSyntaxTest {

    static Stream<Arguments> invalid() {
        return Stream.of(
                Arguments.of("a = 'abc", 5, "expected ' to close the string literal but found end of selector"),
                Arguments.of("(a = 1", 7, "expected ')' but found end of selector"),
                Arguments.of("(a = 1 OR b = 2 c = 3)", 17, "at position 17: expected ')' but found 'c'"),
                Arguments.of("a = 1 OR ANY(tg AND b = 1)", 17, "at position 17: expected ')' but found 'AND'"),
                Arguments.of("a = 1 AND", 10, "expected an identifier or literal but found end of selector"),
                Arguments.of("a = 1 AND AND b = 2", 11, "expected an identifier or literal but found 'AND'"),
                Arguments.of("a = ", 5, "expected an identifier or literal but found end of selector"),
                Arguments.of("a BETWEEN 1", 12, "expected AND but found end of selector"),
                Arguments.of("a BETWEEN 1 OR 2", 13, "expected AND but found 'OR'"),
                Arguments.of("a IN ()", 7, "expected a string literal but found ')'"),
                Arguments.of("a IN (1)", 7, "expected a string literal but found '1'"),
                Arguments.of("a IN ('x',)", 11, "expected a string literal but found ')'"),
                Arguments.of("a IN ('x' 'y')", 11, "expected ',' or ')' but found string 'y'"),
                Arguments.of("a IN 'x'", 6, "expected '(' but found string 'x'"),
                Arguments.of("a LIKE 5", 8, "expected a string literal but found '5'"),
                Arguments.of("a LIKE b", 8, "expected a string literal but found 'b'"),
                Arguments.of("a LIKE 'x' ESCAPE 'ab'", 19, "expected a single-character string literal but found string 'ab'"),
                Arguments.of("a LIKE 'x' ESCAPE ''", 19, "expected a single-character string literal but found string ''"),
                Arguments.of("a LIKE 'x!y' ESCAPE '!'", 8, "the escape character may precede only"),
                Arguments.of("a LIKE 'x!' ESCAPE '!'", 8, "the pattern ends with the escape character"),
                Arguments.of("'x' > a", 5, "expected '=' or '<>' but found '>'"),
                Arguments.of("'x' BETWEEN 1 AND 2", 5, "expected '=' or '<>' but found 'BETWEEN'"),
                Arguments.of("'x' IS NULL", 5, "expected '=' or '<>' but found 'IS'"),
                Arguments.of("TRUE > 1", 6, "expected '=' or '<>' but found '>'"),
                Arguments.of("5 LIKE 'x'", 3, "expected a comparison operator or BETWEEN but found 'LIKE'"),
                Arguments.of("a > 'x'", 5, "expected a numeric expression or identifier but found string 'x'"),
                Arguments.of("a <= TRUE", 6, "expected a numeric expression or identifier but found 'TRUE'"),
                Arguments.of("a BETWEEN 'a' AND 'c'", 11, "expected a numeric expression or identifier but found string 'a'"),
                Arguments.of("a BETWEEN 1 AND 'c'", 17, "expected a numeric expression or identifier but found string 'c'"),
                Arguments.of("1 = 'x'", 5, "expected a numeric expression or identifier but found string 'x'"),
                Arguments.of("'x' = 1", 7, "expected a string literal or identifier but found '1'"),
                Arguments.of("TRUE = 1", 8, "expected TRUE, FALSE or an identifier but found '1'"),
                Arguments.of("a + 'x' > 1", 5, "expected a numeric expression or identifier but found string 'x'"),
                Arguments.of("a = TRUE + 1", 5, "expected a numeric expression or identifier but found 'TRUE'"),
                Arguments.of("-'x' = a", 2, "expected a numeric expression or identifier but found string 'x'"),
                Arguments.of("a = 1 b", 7, "expected end of selector but found 'b'"),
                Arguments.of("a = 1 = 2", 7, "expected end of selector but found '='"),
                Arguments.of("a = 1)", 6, "expected end of selector but found ')'"),
                Arguments.of("(a = 1) + 2 > 1", 9, "expected end of selector but found '+'"),
                Arguments.of("AND = 1", 1, "expected an identifier or literal but found 'AND' (AND is a reserved word; \"AND\" names a header)"),
                Arguments.of("a = 1 AND or = 2", 11, "found 'or' (or is a reserved word"),
                Arguments.of("escape = 'x'", 1, "found 'escape'"),
                Arguments.of("a = NULL", 5, "NULL is tested with IS NULL"),
                Arguments.of("$subject[0] = 'x'", 10, "expected a token number of 1 or more but found '0'"),
                Arguments.of("$subject[-1] = 'x'", 10, "expected a token number of 1 or more but found '-'"),
                Arguments.of("$subject[x] = 'x'", 10, "expected a token number of 1 or more but found 'x'"),
                Arguments.of("$subject[1 = 'x'", 12, "expected ']' but found '='"),
                Arguments.of("", 1, "expected an identifier or literal but found end of selector"),
                Arguments.of("   ", 4, "expected an identifier or literal but found end of selector"),
                Arguments.of("price", 6, "expected a comparison operator, BETWEEN, IN, LIKE or IS but found end of selector"),
                Arguments.of("1 + 2", 6, "expected a comparison operator, BETWEEN, IN, LIKE or IS but found end of selector"),
                Arguments.of("'x'", 4, "expected a comparison operator, BETWEEN, IN, LIKE or IS but found end of selector"),
                Arguments.of("NOT price", 10, "expected a comparison operator, BETWEEN, IN, LIKE or IS"),
                Arguments.of("a = 1 AND price", 16, "expected a comparison operator, BETWEEN, IN, LIKE or IS but found end of selector"),
                Arguments.of("price OR a = 1", 7, "expected a comparison operator, BETWEEN, IN, LIKE or IS but found 'OR'"),
                Arguments.of("(price) AND a = 1", 9, "expected a comparison operator, BETWEEN, IN, LIKE or IS but found 'AND'"),
                Arguments.of("a NOT = 1", 7, "expected BETWEEN, IN or LIKE but found '='"),
                Arguments.of("a IS 5", 6, "expected NULL or NOT NULL but found '5'"),
                Arguments.of("a IS NOT 5", 10, "expected NULL but found '5'"),
                Arguments.of("a != 1", 3, "found '!' ('not equal' is written <>)"),
                Arguments.of("a = 1 && b = 2", 7, "the logical operators are AND, OR and NOT"),
                Arguments.of("a # 1", 3, "expected an identifier, literal, operator or parenthesis but found '#'"),
                Arguments.of("a = \"unclosed", 5, "expected \" to close the quoted identifier but found end of selector"),
                Arguments.of("\"\" = 'x'", 1, "expected a header name"),
                Arguments.of("a = 9223372036854775808", 5, "expected an exact number from -9223372036854775808 to 9223372036854775807"),
                Arguments.of("a = -9223372036854775809", 6, "expected an exact number from"),
                Arguments.of("a = 1E", 7, "expected the digits of the exponent but found end of selector"),
                Arguments.of("a = 1E+x", 8, "expected the digits of the exponent but found 'x'"),
                Arguments.of("a = 1E999", 5, "expected a number within the range of a double"),
                Arguments.of("ANY(tags)", 10, "expected a comparison operator, BETWEEN, IN, LIKE or IS but found end of selector"),
                Arguments.of("ANY(tags) + 1 > 2", 11, "ANY(...) must be followed by a predicate"),
                Arguments.of("a = ANY(tags)", 5, "ANY(...) stands only on the left of a predicate"),
                Arguments.of("a > ANY(tags)", 5, "ANY(...) stands only on the left of a predicate"),
                Arguments.of("ANY($subject) = 'x'", 5, "expected a header name but found '$subject'"),
                Arguments.of("ANY tags = 'x'", 5, "expected '(' but found 'tags'"),
                Arguments.of("ANY(tags = 'x'", 10, "expected ')' but found '='"),
                Arguments.of("a = (b = 1)", 5, "expected an identifier or literal but found '('"),
                Arguments.of("1 + (a = 1) > 0", 5, "expected a numeric expression or identifier but found '('"),
                Arguments.of("a [1] = 1", 3, "expected a comparison operator, BETWEEN, IN, LIKE or IS but found '['")
        );
    }

    @ParameterizedTest(name = "[{0}] at {1}")
    @MethodSource("invalid")
    void rejected(String selector, int position, String message) {
        SelectorSyntaxException e = assertThrows(SelectorSyntaxException.class, () -> Selector.parse(selector));
        assertEquals(position, e.position(), e.getMessage());
        assertTrue(e.getMessage().contains(message), e.getMessage());
        assertTrue(e.getMessage().startsWith("at position " + position + ": expected " + e.expected() + " but found "),
                e.getMessage());
    }

    @Test
    void expectedNamesWhatWasExpected() {
        assertEquals("a comparison operator, BETWEEN, IN, LIKE or IS", reject("price").expected());
        assertEquals("')'", reject("(a = 1").expected());
        assertEquals("an identifier or literal", reject("a = ").expected());
        assertEquals("end of selector", reject("a = 1 b").expected());
        assertEquals("'b'", reject("a = 1 b").found());
    }

    @Test
    void tooLong() {
        String ok = "a = '" + "x".repeat(4096 - 6) + "'";
        assertEquals(4096, ok.length());
        SelectorTesting.parse(ok);
        SelectorSyntaxException e = reject(ok + " ");
        assertEquals(4097, e.position());
        assertTrue(e.getMessage().contains("expected a selector of at most 4096 characters but found 4097 characters"),
                e.getMessage());
        assertEquals(4097, reject("a = '" + "x".repeat(100_000) + "'").position());
    }

    @Test
    void tooDeepParentheses() {
        SelectorTesting.parse("(".repeat(100) + "a = 1" + ")".repeat(100));
        SelectorSyntaxException e = reject("(".repeat(101) + "a = 1" + ")".repeat(101));
        assertEquals(101, e.position());
        assertTrue(e.getMessage().contains("expected at most 100 levels of nesting but found '('"), e.getMessage());
    }

    @Test
    void tooDeepNot() {
        SelectorTesting.parse("NOT ".repeat(100) + "a = 1");
        SelectorSyntaxException e = reject("NOT ".repeat(101) + "a = 1");
        assertEquals(401, e.position());
        assertTrue(e.getMessage().contains("at most 100 levels of nesting but found 'NOT'"), e.getMessage());
    }

    @Test
    void tooDeepSigns() {
        SelectorTesting.parse("-".repeat(100) + "a > 1");
        assertEquals(101, reject("-".repeat(101) + "a > 1").position());
        SelectorTesting.parse("a > " + "-(".repeat(50) + "1" + ")".repeat(50));
        // The 101st level is the 51st sign, after "a > " and 50 "-(".
        assertEquals(105, reject("a > " + "-(".repeat(51) + "1" + ")".repeat(51)).position());
    }

    @Test
    void hostileInputFailsWithoutStackOverflow() {
        for (String unit : new String[] {"(", "NOT ", "-", "(-", "NOT (", "ANY(", "a IN (", "'", "\""}) {
            String hostile = unit.repeat(4096 / unit.length());
            assertThrows(SelectorSyntaxException.class, () -> Selector.parse(hostile), unit);
        }
    }

    @Test
    void longFlatChainsAreFine() {
        StringBuilder or = new StringBuilder("a = 0");
        while (or.length() < 4080) {
            or.append(" OR a = 1");
        }
        assertTrue(SelectorTesting.parse(or.toString()).matches("s", SelectorTesting.headers("a", "1")));
        String sum = "a" + " + 1".repeat(1000) + " = 1001";
        assertTrue(SelectorTesting.parse(sum).matches("s", SelectorTesting.headers("a", "1")));
        String product = "a" + "*1".repeat(1500) + " = 1";
        assertTrue(SelectorTesting.parse(product).matches("s", SelectorTesting.headers("a", "1")));
    }

    @Test
    void nullTextIsTheCallersCase() {
        assertThrows(NullPointerException.class, () -> Selector.parse(null));
    }

    private static SelectorSyntaxException reject(String selector) {
        return assertThrows(SelectorSyntaxException.class, () -> Selector.parse(selector));
    }
}
