package dev.natsjca.inbound.selector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Converting header values to numbers without exceptions. */
class NumbersTest {

    @ParameterizedTest(name = "{0} is long {1}")
    @CsvSource({
            "0, 0", "7, 7", "-7, -7", "+7, 7", "007, 7", "-0, 0",
            "9223372036854775807, 9223372036854775807", "-9223372036854775808, -9223372036854775808"
    })
    void longs(String s, long expected) {
        Eval e = new Eval(null, null);
        assertTrue(Numbers.parse(s, e));
        assertFalse(e.isDouble, s);
        assertEquals(expected, e.l);
    }

    @ParameterizedTest(name = "{0} is double {1}")
    @CsvSource({
            "7.0, 7", "7., 7", ".5, 0.5", "-.5, -0.5", "1e3, 1000", "1E-3, 0.001", "+2.5e+2, 250",
            "9223372036854775808, 9223372036854775808", "-9223372036854775809, -9223372036854775809",
            "123456789012345678901234567890, 1.2345678901234568E29"
    })
    void doubles(String s, double expected) {
        Eval e = new Eval(null, null);
        assertTrue(Numbers.parse(s, e));
        assertTrue(e.isDouble, s);
        assertEquals(expected, e.d);
    }

    @Test
    void notNumbers() {
        Eval e = new Eval(null, null);
        for (String s : new String[] {"", "-", "+", ".", "e1", "1e", "1e-", "1.e", "a", " 1", "1 ", "0x1", "1f", "NaN",
                "-Infinity", "1..2", "1e1.5", "++1", "١٢", "７"}) {
            assertFalse(Numbers.parse(s, e), s);
        }
        assertFalse(Numbers.parse(null, e));
    }

    @Test
    void compare() {
        assertEquals(0, Numbers.compare(false, 7, 0, true, 0, 7.0));
        assertTrue(Numbers.compare(false, 7, 0, true, 0, 7.5) < 0);
        assertTrue(Numbers.compare(false, Long.MAX_VALUE, 0, false, Long.MAX_VALUE - 1, 0) > 0);
        assertEquals(0, Numbers.compare(true, 0, -0.0, true, 0, 0.0));
        assertEquals(Numbers.UNORDERED, Numbers.compare(true, 0, Double.NaN, false, 1, 0));
    }
}
