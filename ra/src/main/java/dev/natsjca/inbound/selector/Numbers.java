package dev.natsjca.inbound.selector;

/** Numeric conversion and comparison that never throw: a header value that is no number is NULL. */
final class Numbers {

    /** What {@link #compare} returns when a NaN makes the operands unordered. */
    static final int UNORDERED = Integer.MIN_VALUE;

    private Numbers() {
    }

    /**
     * Converts a header value written as a numeric literal ({@code 7}, {@code -3}, {@code 2.5},
     * {@code 1e3}) into {@code e}'s registers: a long when integral and in range, else a double.
     * Checks the syntax first so that a non-numeric value costs no exception.
     *
     * @return {@code false} when {@code s} is {@code null} or not a number
     */
    static boolean parse(String s, Eval e) {
        if (s == null) {
            return false;
        }
        int n = s.length();
        int i = 0;
        boolean negative = false;
        if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
            negative = s.charAt(i) == '-';
            i++;
        }
        int digitsStart = i;
        long value = 0;
        boolean overflow = false;
        while (i < n && isDigit(s.charAt(i))) {
            int digit = s.charAt(i) - '0';
            // Accumulates negatively: the negative range reaches one further than the positive.
            if (value < (Long.MIN_VALUE + digit) / 10) {
                overflow = true;
            } else {
                value = value * 10 - digit;
            }
            i++;
        }
        int mantissaDigits = i - digitsStart;
        boolean integral = true;
        if (i < n && s.charAt(i) == '.') {
            integral = false;
            i++;
            int fractionStart = i;
            while (i < n && isDigit(s.charAt(i))) {
                i++;
            }
            mantissaDigits += i - fractionStart;
        }
        if (mantissaDigits == 0) {
            return false;
        }
        if (i < n && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
            integral = false;
            i++;
            if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
                i++;
            }
            int exponentStart = i;
            while (i < n && isDigit(s.charAt(i))) {
                i++;
            }
            if (i == exponentStart) {
                return false;
            }
        }
        if (i != n) {
            return false;
        }
        if (integral && !overflow && (negative || value != Long.MIN_VALUE)) {
            return e.setLong(negative ? value : -value);
        }
        return e.setDouble(Double.parseDouble(s));
    }

    /**
     * @return negative, zero or positive as {@code a} is less than, equal to or greater than
     *         {@code b}; {@link #UNORDERED} when either is NaN
     */
    static int compare(boolean aIsDouble, long al, double ad, boolean bIsDouble, long bl, double bd) {
        if (!aIsDouble && !bIsDouble) {
            return Long.compare(al, bl);
        }
        double x = aIsDouble ? ad : al;
        double y = bIsDouble ? bd : bl;
        if (Double.isNaN(x) || Double.isNaN(y)) {
            return UNORDERED;
        }
        // Not Double.compare: -0.0 equals 0.0 here, as in Java's ==.
        return x < y ? -1 : x > y ? 1 : 0;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
