package dev.natsjca.inbound.selector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** LIKE patterns, directly and through selectors. */
class LikePatternTest {

    @ParameterizedTest(name = "''{1}'' LIKE ''{0}'' is {2}")
    @CsvSource(delimiter = '|', value = {
            "abc|abc|true", "abc|abcd|false", "abc|ab|false", "abc|ABC|false",
            "a%|a|true", "a%|abc|true", "a%|ba|false",
            "%c|abc|true", "%c|c|true", "%c|cb|false",
            "%b%|abc|true", "%b%|b|true", "%b%|ac|false",
            "%|''|true", "%|anything|true", "%%|x|true", "''|''|true", "''|x|false",
            "_|a|true", "_|''|false", "_|ab|false", "a_c|abc|true", "a_c|ac|false", "a_c|abbc|false",
            "___|abc|true", "___|ab|false", "_%|a|true", "_%|''|false", "%_|ab|true",
            "a%c|ac|true", "a%c|abbbc|true", "a%c|abcb|false", "a%b%c|aXbYc|true", "a%b%c|acb|false",
            "%a%a%a%|aaa|true", "%a%a%a%|aa|false", "%ab%ab|xabyab|true", "%ab%ab|abab|true", "%ab%ab|aab|false",
            "a_%_c|abxc|true", "a_%_c|abc|false", "%.%|orders.eu|true",
            "a.c|abc|false", "a.c|a.c|true", "a*|aaa|false", "a*|a*|true", "[ab]|a|false", "(x)|(x)|true",
            "^a$|^a$|true", "a\\d|a\\d|true", "a?|a?|true", "a+|aa|false",
            "line%|'line1\nline2'|true", "%2|'1\n2'|true",
            "Zür_ch|Zürich|true", "東_|東京|true", "_|😀|true", "__|😀|false", "😀%|😀x|true", "%😀|x😀|true"
    })
    void matches(String pattern, String value, boolean expected) {
        assertEquals(expected, LikePattern.compile(pattern, -1).matches(value), pattern + " vs " + value);
    }

    @ParameterizedTest(name = "''{1}'' LIKE ''{0}'' ESCAPE ''!'' is {2}")
    @CsvSource(delimiter = '|', value = {
            "100!%|100%|true", "100!%|1000|false", "a!_b|a_b|true", "a!_b|axb|false", "a!!b|a!b|true",
            "!%%|%abc|true", "!%%|abc|false", "%!_%|a_b|true", "%!_%|ab|false", "!!%|!x|true", "x!%y%|x%yz|true"
    })
    void escape(String pattern, String value, boolean expected) {
        assertEquals(expected, LikePattern.compile(pattern, '!').matches(value), pattern + " vs " + value);
    }

    @Test
    void escapeMayBeAnyCharacter() {
        assertEquals(true, LikePattern.compile("a\\%", '\\').matches("a%"));
        assertEquals(true, LikePattern.compile("a😀%", "😀".codePointAt(0)).matches("a%"));
        assertEquals(true, LikePattern.compile("a%%", '%').matches("a%"));
        assertEquals(false, LikePattern.compile("a%%", '%').matches("a%x"));
        assertEquals(true, LikePattern.compile("a%%%%", '%').matches("a%%"));
        assertEquals(true, LikePattern.compile("a__", '_').matches("a_"));
    }

    @Test
    void badEscapes() {
        assertThrows(IllegalArgumentException.class, () -> LikePattern.compile("a!b", '!'));
        assertThrows(IllegalArgumentException.class, () -> LikePattern.compile("a!", '!'));
        assertThrows(IllegalArgumentException.class, () -> LikePattern.compile("a%%%", '%'));
    }

    @Test
    void throughSelectors() {
        SelectorTesting.assertMatches("s LIKE 'a%'", "s", "abc");
        SelectorTesting.assertFalse("s LIKE 'a%'", "s", "bac");
        SelectorTesting.assertMatches("s NOT LIKE 'a%'", "s", "bac");
        SelectorTesting.assertFalse("s NOT LIKE 'a%'", "s", "abc");
        SelectorTesting.assertMatches("s LIKE '_b_'", "s", "abc");
        SelectorTesting.assertMatches("s LIKE '50!%' ESCAPE '!'", "s", "50%");
        SelectorTesting.assertFalse("s LIKE '50!%' ESCAPE '!'", "s", "500");
        SelectorTesting.assertMatches("s LIKE 'it''s%'", "s", "it's here");
        SelectorTesting.assertMatches("\"Content-Type\" LIKE 'application/%' AND s NOT LIKE '%x%'",
                "Content-Type", "application/json", "s", "abc");
        SelectorTesting.assertUnknown("s LIKE '%'");
        SelectorTesting.assertMatches("s LIKE 'a%' OR s LIKE 'b%'", "s", "bc");
    }

    @Test
    void backtrackingStaysPolynomial() {
        LikePattern p = LikePattern.compile("%a%a%a%a%a%a%a%a%b", -1);
        String value = "a".repeat(4000);
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> assertEquals(false, p.matches(value)));
    }
}
