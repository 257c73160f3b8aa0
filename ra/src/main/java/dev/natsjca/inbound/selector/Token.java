package dev.natsjca.inbound.selector;

/**
 * One lexical token of a selector.
 *
 * @param type what kind of token
 * @param text the value: an identifier's name (unquoted), a string literal's content (unescaped),
 *        a number's digits as written; for keywords and operators the source text
 * @param position 1-based index of the token's first character
 * @param source the token as written in the selector, for error messages
 */
record Token(Type type, String text, int position, String source) {

    enum Type {
        IDENTIFIER, QUOTED_IDENTIFIER, SUBJECT, STRING, EXACT, APPROXIMATE,
        NOT, AND, OR, BETWEEN, LIKE, IN, IS, NULL, ESCAPE, TRUE, FALSE, ANY,
        EQ, NE, LT, LE, GT, GE, PLUS, MINUS, TIMES, DIVIDE,
        LPAREN, RPAREN, COMMA, LBRACKET, RBRACKET, END;

        boolean isKeyword() {
            return compareTo(NOT) >= 0 && compareTo(ANY) <= 0;
        }

        boolean isComparison() {
            return compareTo(EQ) >= 0 && compareTo(GE) <= 0;
        }
    }

    private static final int SHOWN = 40;

    /** How an error message names this token: {@code 'AND'}, {@code string 'x'}, {@code end of selector}. */
    String describe() {
        if (type == Type.END) {
            return "end of selector";
        }
        String s = source.length() > SHOWN ? source.substring(0, SHOWN) + "..." : source;
        return type == Type.STRING ? "string " + s : "'" + s + "'";
    }
}
