package dev.natsjca.inbound.selector;

import static dev.natsjca.inbound.selector.SelectorTesting.assertFalse;
import static dev.natsjca.inbound.selector.SelectorTesting.assertMatches;
import static dev.natsjca.inbound.selector.SelectorTesting.assertTruth;
import static dev.natsjca.inbound.selector.SelectorTesting.assertUnknown;
import static dev.natsjca.inbound.selector.SelectorTesting.truth;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The operators and their precedence, and three-valued logic. */
class SelectorOperatorsTest {

    @ParameterizedTest(name = "x = 5: x {0} {1} is {2}")
    @CsvSource({
            "=, 5, TRUE", "=, 4, FALSE",
            "<>, 4, TRUE", "<>, 5, FALSE",
            "<, 6, TRUE", "<, 5, FALSE", "<, 4, FALSE",
            "<=, 5, TRUE", "<=, 6, TRUE", "<=, 4, FALSE",
            ">, 4, TRUE", ">, 5, FALSE", ">, 6, FALSE",
            ">=, 5, TRUE", ">=, 4, TRUE", ">=, 6, FALSE",
            "=, 5.0, TRUE", "<, 5.5, TRUE", ">, 4.99, TRUE", "=, 5E0, TRUE", ">=, 0.5E1, TRUE"
    })
    void comparisonOperators(String op, String literal, Tri expected) {
        assertTruth(expected, "x " + op + " " + literal, "x", "5");
        // And mirrored, literal first.
        String mirrored = switch (op) {
            case "<" -> ">";
            case "<=" -> ">=";
            case ">" -> "<";
            case ">=" -> "<=";
            default -> op;
        };
        assertTruth(expected, literal + " " + mirrored + " x", "x", "5");
    }

    @Test
    void stringEqualityIsCaseSensitive() {
        assertMatches("color = 'red'", "color", "red");
        assertFalse("color = 'Red'", "color", "red");
        assertMatches("color <> 'Red'", "color", "red");
        assertFalse("color <> 'red'", "color", "red");
        assertMatches("'red' = color", "color", "red");
        assertMatches("'a' = 'a'");
        assertFalse("'a' <> 'a'");
    }

    @Test
    void twoHeadersCompareAsStringsForEqualityAndAsNumbersWhenOrdered() {
        assertMatches("a = b", "a", "x", "b", "x");
        assertFalse("a = b", "a", "7", "b", "7.0");
        assertMatches("a <> b", "a", "7", "b", "7.0");
        assertMatches("a < b", "a", "9", "b", "10");
        assertMatches("a >= b", "a", "7", "b", "7.0");
        assertUnknown("a < b", "a", "x", "b", "10");
        assertUnknown("a = b", "a", "x");
    }

    @Test
    void orIsWeakerThanAnd() {
        String s = "a = 1 OR b = 2 AND c = 3";
        assertMatches(s, "a", "1", "b", "0", "c", "0");
        assertFalse(s, "a", "0", "b", "2", "c", "0");
        assertMatches(s, "a", "0", "b", "2", "c", "3");
        assertFalse("(a = 1 OR b = 2) AND c = 3", "a", "1", "b", "0", "c", "0");
        assertMatches("(a = 1 OR b = 2) AND c = 3", "a", "1", "b", "0", "c", "3");
        assertMatches("c = 3 AND b = 2 OR a = 1", "a", "1", "b", "0", "c", "0");
    }

    @Test
    void notIsStrongerThanAndAndWeakerThanComparison() {
        assertMatches("NOT a = 1 AND b = 2", "a", "2", "b", "2");
        assertFalse("NOT a = 1 AND b = 2", "a", "1", "b", "2");
        // NOT (a = 1 AND b = 2) would be TRUE here.
        assertFalse("NOT a = 1 AND b = 2", "a", "2", "b", "3");
        assertMatches("NOT (a = 1 AND b = 2)", "a", "2", "b", "3");
        assertMatches("NOT NOT a = 1", "a", "1");
        assertFalse("NOT NOT NOT a = 1", "a", "1");
        assertMatches("NOT a = 1 OR a = 1", "a", "1");
    }

    @Test
    void parenthesesGroup() {
        assertMatches("((a = 1))", "a", "1");
        assertMatches("(a = 1) AND (((b = 2)))", "a", "1", "b", "2");
        assertMatches("a = 1 AND (b = 0 OR (c = 3 AND NOT (d = 4)))", "a", "1", "b", "2", "c", "3", "d", "5");
        assertMatches("(a) = 1", "a", "1");
        assertMatches("(a) IN ('1')", "a", "1");
    }

    @Test
    void arithmetic() {
        assertMatches("a + 2 * 3 = 7", "a", "1");
        assertMatches("(a + 2) * 3 = 9", "a", "1");
        assertMatches("a - 2 - 3 = -4", "a", "1");
        assertMatches("a / 2 / 2 = 2", "a", "8");
        assertMatches("a * 2 / 4 = 3", "a", "6");
        assertMatches("a - 3 * 2 + 1 = 0", "a", "5");
        assertMatches("-a * 2 = -6", "a", "3");
        assertMatches("- -a = 3", "a", "3");
        assertMatches("-(-a) = 3", "a", "3");
        assertMatches("+a = 3", "a", "3");
        assertMatches("a-1 = 2", "a", "3");
        assertMatches("a - -1 = 4", "a", "3");
        assertMatches("a * b > c + 1", "a", "3", "b", "4", "c", "10");
        assertMatches("1 + 2 = 3");
        assertMatches("7 / 2 = 3", "a", "x");
        assertMatches("7 / 2.0 = 3.5");
        assertMatches("a / 2 = 3.5", "a", "7.0");
        assertMatches("a * 1.5 = 3", "a", "2");
        assertMatches("0.1 + 0.2 > 0.3");
    }

    @Test
    void arithmeticOnNullOrNonNumbersIsUnknown() {
        assertUnknown("a + 1 > 0");
        assertUnknown("a + 1 > 0", "a", "one");
        assertUnknown("1 + a > 0", "a", "one");
        assertUnknown("-a < 0", "a", "one");
        assertUnknown("a * b = 0", "a", "0");
    }

    @Test
    void divisionByZeroIsUnknown() {
        assertUnknown("a / 0 = 1", "a", "1");
        assertUnknown("NOT a / 0 = 1", "a", "1");
        assertUnknown("a / b > 1", "a", "1", "b", "0");
        assertUnknown("a / 0.0 > 1", "a", "1");
        assertUnknown("a / b > 1", "a", "1.5", "b", "0.0");
        assertUnknown("a / b > 1", "a", "1.5", "b", "-0");
    }

    @Test
    void longOverflowContinuesInDouble() {
        assertMatches("a * 2 > 9223372036854775807", "a", "9223372036854775807");
        assertMatches("a + 1 > 0", "a", "9223372036854775807");
        assertMatches("a - 1 < 0", "a", "-9223372036854775808");
        assertMatches("a / -1 > 0", "a", "-9223372036854775808");
        assertMatches("-a > 0", "a", "-9223372036854775808");
        assertMatches("a * a > 1E30", "a", "4294967296000000");
        assertMatches("a + 1 = 9223372036854775807", "a", "9223372036854775806");
        assertMatches("-9223372036854775808 < a", "a", "0");
    }

    @Test
    void between() {
        assertMatches("x BETWEEN 1 AND 5", "x", "1");
        assertMatches("x BETWEEN 1 AND 5", "x", "5");
        assertMatches("x BETWEEN 1 AND 5", "x", "3.5");
        assertFalse("x BETWEEN 1 AND 5", "x", "0");
        assertFalse("x BETWEEN 1 AND 5", "x", "5.01");
        assertFalse("x BETWEEN 5 AND 1", "x", "3");
        assertMatches("x NOT BETWEEN 1 AND 5", "x", "6");
        assertFalse("x NOT BETWEEN 1 AND 5", "x", "3");
        assertMatches("x BETWEEN lo AND hi + 1", "x", "6", "lo", "2", "hi", "5");
        assertMatches("x BETWEEN -1.5 AND 2 * 2", "x", "-1");
        assertMatches("x + 1 BETWEEN 2 AND 3", "x", "1");
        assertMatches("2 BETWEEN 1 AND 3");
        assertMatches("x BETWEEN 1 AND 5 AND y = 'a'", "x", "2", "y", "a");
    }

    @Test
    void betweenWithNullsFollowsItsAndExpansion() {
        assertUnknown("x BETWEEN 1 AND 5");
        assertUnknown("x NOT BETWEEN 1 AND 5");
        assertUnknown("x BETWEEN 1 AND 5", "x", "many");
        // x >= NULL AND x <= 3: FALSE when x > 3, else UNKNOWN.
        assertFalse("x BETWEEN lo AND 3", "x", "5");
        assertMatches("x NOT BETWEEN lo AND 3", "x", "5");
        assertUnknown("x BETWEEN lo AND 3", "x", "2");
        assertFalse("x BETWEEN 3 AND hi", "x", "2");
        assertUnknown("x BETWEEN 3 AND hi", "x", "4");
    }

    @Test
    void in() {
        assertMatches("c IN ('red', 'green')", "c", "green");
        assertFalse("c IN ('red', 'green')", "c", "blue");
        assertMatches("c IN ('red')", "c", "red");
        assertMatches("c IN ('red','red' , 'blue')", "c", "blue");
        assertMatches("c NOT IN ('red', 'green')", "c", "blue");
        assertFalse("c NOT IN ('red', 'green')", "c", "red");
        assertFalse("c IN ('Red')", "c", "red");
        assertMatches("c IN ('')", "c", "");
        assertMatches("c IN ('it''s')", "c", "it's");
        assertUnknown("c IN ('red')");
        assertUnknown("c NOT IN ('red')");
        assertMatches("c IN ('1', '2') AND c = 2", "c", "2");
    }

    @Test
    void isNull() {
        assertMatches("a IS NULL");
        assertFalse("a IS NULL", "a", "1");
        assertMatches("a IS NOT NULL", "a", "");
        assertFalse("a IS NOT NULL");
        assertMatches("NOT a IS NULL", "a", "1");
        assertMatches("a IS NULL AND b IS NOT NULL", "b", "x");
        assertEquals(Tri.TRUE, truth("a IS NULL", SelectorTesting.SUBJECT, null));
        assertEquals(Tri.UNKNOWN, truth("a = 'x'", SelectorTesting.SUBJECT, null));
    }

    @Test
    void booleanLiteralsAreConditions() {
        assertMatches("TRUE");
        assertFalse("FALSE");
        assertMatches("NOT FALSE");
        assertMatches("(TRUE)");
        assertMatches("TRUE AND a = 1", "a", "1");
        assertFalse("FALSE AND a = 1", "a", "1");
        assertMatches("FALSE OR a = 1", "a", "1");
        assertMatches("TRUE = TRUE");
        assertMatches("TRUE <> FALSE");
        assertFalse("TRUE = FALSE");
    }

    /** The JMS (SQL) truth tables, with {@code u = 1} UNKNOWN when u is absent. */
    @ParameterizedTest(name = "{0} is {1}")
    @CsvSource({
            "TRUE AND TRUE, TRUE", "TRUE AND FALSE, FALSE", "TRUE AND u = 1, UNKNOWN",
            "FALSE AND u = 1, FALSE", "u = 1 AND FALSE, FALSE", "u = 1 AND u = 1, UNKNOWN", "u = 1 AND TRUE, UNKNOWN",
            "TRUE OR u = 1, TRUE", "u = 1 OR TRUE, TRUE", "FALSE OR u = 1, UNKNOWN", "u = 1 OR FALSE, UNKNOWN",
            "u = 1 OR u = 1, UNKNOWN", "FALSE OR FALSE, FALSE",
            "NOT u = 1, UNKNOWN", "NOT (u = 1 AND FALSE), TRUE", "NOT (u = 1 OR TRUE), FALSE",
            "u <> 1, UNKNOWN", "u NOT IN ('1'), UNKNOWN", "u NOT LIKE '%', UNKNOWN", "NOT u NOT LIKE '%', UNKNOWN",
            "u = TRUE, UNKNOWN", "u IS NULL, TRUE", "u IS NOT NULL, FALSE",
            "TRUE AND TRUE AND u = 1 AND FALSE, FALSE", "FALSE OR u = 1 OR TRUE OR FALSE, TRUE"
    })
    void threeValuedLogic(String selector, Tri expected) {
        assertTruth(expected, selector, "other", "1");
    }

    @Test
    void absentHeaderMakesNeitherAPredicateNorItsNegationMatch() {
        assertFalse("tx.height > 5", "tx.height", "3");
        assertMatches("tx.height > 5", "tx.height", "7");
        assertUnknown("tx.height > 5", "tx.height", "abc");
        assertUnknown("tx.height > 5");
        assertUnknown("NOT tx.height > 5");
        assertUnknown("NOT tx.height > 5", "tx.height", "abc");
        assertMatches("NOT tx.height > 5", "tx.height", "3");
    }
}
