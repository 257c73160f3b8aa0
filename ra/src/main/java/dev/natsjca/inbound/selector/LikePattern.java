package dev.natsjca.inbound.selector;

import java.util.Arrays;

/**
 * A compiled {@code LIKE} pattern: {@code %} any sequence of characters (none included), {@code _}
 * exactly one character (a code point: one emoji is one character), all else itself, matched against
 * the whole value, case-sensitively. Patterns that are a literal with {@code %} at one or both ends,
 * the common case, match through {@code equals}, {@code startsWith}, {@code endsWith} or
 * {@code contains}; the rest by backtracking over the compiled code points, without allocating.
 */
final class LikePattern {

    private static final int ONE = -1;
    private static final int ANY_SEQUENCE = -2;

    private enum Shape { EXACT, PREFIX, SUFFIX, CONTAINS, GENERAL }

    private final String source;
    private final Shape shape;
    /** For the literal shapes: the literal part. */
    private final String literal;
    /** For {@link Shape#GENERAL}: code points, or {@link #ONE} / {@link #ANY_SEQUENCE}. */
    private final int[] codes;

    private LikePattern(String source, Shape shape, String literal, int[] codes) {
        this.source = source;
        this.shape = shape;
        this.literal = literal;
        this.codes = codes;
    }

    /**
     * @param escape the escape character's code point, or -1 for none
     * @throws IllegalArgumentException when the escape character precedes anything but
     *         {@code %}, {@code _} or itself, or ends the pattern
     */
    static LikePattern compile(String pattern, int escape) {
        int[] codes = new int[pattern.length()];
        int n = 0;
        boolean escaped = false;
        for (int i = 0; i < pattern.length(); ) {
            int cp = pattern.codePointAt(i);
            i += Character.charCount(cp);
            if (escaped) {
                if (cp != '%' && cp != '_' && cp != escape) {
                    throw new IllegalArgumentException("the escape character may precede only '%', '_' or itself");
                }
                codes[n++] = cp;
                escaped = false;
            } else if (cp == escape) {
                escaped = true;
            } else if (cp == '%') {
                // Consecutive %s match what one does, and would make backtracking slower.
                if (n == 0 || codes[n - 1] != ANY_SEQUENCE) {
                    codes[n++] = ANY_SEQUENCE;
                }
            } else {
                codes[n++] = cp == '_' ? ONE : cp;
            }
        }
        if (escaped) {
            throw new IllegalArgumentException("the pattern ends with the escape character");
        }
        codes = Arrays.copyOf(codes, n);
        return shape(pattern, codes);
    }

    private static LikePattern shape(String pattern, int[] codes) {
        int n = codes.length;
        boolean leading = n > 0 && codes[0] == ANY_SEQUENCE;
        boolean trailing = n > 0 && codes[n - 1] == ANY_SEQUENCE;
        int from = leading ? 1 : 0;
        int to = Math.max(from, trailing ? n - 1 : n);
        StringBuilder literal = new StringBuilder();
        for (int i = from; i < to; i++) {
            if (codes[i] < 0) {
                return new LikePattern(pattern, Shape.GENERAL, null, codes);
            }
            literal.appendCodePoint(codes[i]);
        }
        Shape shape = leading && trailing ? Shape.CONTAINS
                : leading ? Shape.SUFFIX
                : trailing ? Shape.PREFIX
                : Shape.EXACT;
        return new LikePattern(pattern, shape, literal.toString(), null);
    }

    boolean matches(String value) {
        return switch (shape) {
            case EXACT -> value.equals(literal);
            case PREFIX -> value.startsWith(literal);
            case SUFFIX -> value.endsWith(literal);
            case CONTAINS -> value.contains(literal);
            case GENERAL -> matchesGeneral(value);
        };
    }

    /**
     * The classic wildcard match: on a mismatch, retry from the last {@code %} with it taking one
     * more character. Linear unless the pattern has several {@code %}s, O(value × pattern) at worst.
     */
    private boolean matchesGeneral(String value) {
        int s = 0;
        int p = 0;
        int star = -1;
        int starS = 0;
        int length = value.length();
        while (s < length) {
            int cp = value.codePointAt(s);
            if (p < codes.length && (codes[p] == ONE || codes[p] == cp)) {
                s += Character.charCount(cp);
                p++;
            } else if (p < codes.length && codes[p] == ANY_SEQUENCE) {
                star = p++;
                starS = s;
            } else if (star >= 0) {
                p = star + 1;
                starS += Character.charCount(value.codePointAt(starS));
                s = starS;
            } else {
                return false;
            }
        }
        while (p < codes.length && codes[p] == ANY_SEQUENCE) {
            p++;
        }
        return p == codes.length;
    }

    @Override
    public String toString() {
        return source;
    }
}
