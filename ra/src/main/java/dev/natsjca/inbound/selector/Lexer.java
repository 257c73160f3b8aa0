package dev.natsjca.inbound.selector;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.natsjca.inbound.selector.Token.Type;

/** Splits a selector into {@link Token}s, the last one {@link Type#END}. */
final class Lexer {

    private static final Map<String, Type> KEYWORDS = Map.ofEntries(
            Map.entry("NOT", Type.NOT), Map.entry("AND", Type.AND), Map.entry("OR", Type.OR),
            Map.entry("BETWEEN", Type.BETWEEN), Map.entry("LIKE", Type.LIKE), Map.entry("IN", Type.IN),
            Map.entry("IS", Type.IS), Map.entry("NULL", Type.NULL), Map.entry("ESCAPE", Type.ESCAPE),
            Map.entry("TRUE", Type.TRUE), Map.entry("FALSE", Type.FALSE), Map.entry("ANY", Type.ANY));

    static final String SUBJECT = "$subject";

    private final String text;
    private final List<Token> tokens = new ArrayList<>();
    private int i;

    private Lexer(String text) {
        this.text = text;
    }

    static List<Token> tokenize(String text) throws SelectorSyntaxException {
        Lexer lexer = new Lexer(text);
        lexer.run();
        return lexer.tokens;
    }

    private void run() throws SelectorSyntaxException {
        int n = text.length();
        while (true) {
            while (i < n && Character.isWhitespace(text.charAt(i))) {
                i++;
            }
            if (i >= n) {
                tokens.add(new Token(Type.END, "", n + 1, ""));
                return;
            }
            int start = i;
            char c = text.charAt(i);
            if (c == '\'') {
                String value = quoted('\'', "' to close the string literal");
                add(Type.STRING, value, start);
            } else if (c == '"') {
                String name = quoted('"', "\" to close the quoted identifier");
                if (name.isEmpty()) {
                    throw new SelectorSyntaxException(start + 1, "a header name", "'\"\"'", null);
                }
                add(Type.QUOTED_IDENTIFIER, name, start);
            } else if (isDigit(c) || (c == '.' && i + 1 < n && isDigit(text.charAt(i + 1)))) {
                number(start);
            } else if (Character.isJavaIdentifierStart(text.codePointAt(i))) {
                identifier(start);
            } else {
                operator(c, start);
            }
        }
    }

    private void add(Type type, String value, int start) {
        tokens.add(new Token(type, value, start + 1, text.substring(start, i)));
    }

    /** Reads a literal delimited by {@code quote} in which a doubled quote stands for one. */
    private String quoted(char quote, String closing) throws SelectorSyntaxException {
        int start = i++;
        StringBuilder value = null;
        int from = i;
        while (true) {
            int q = text.indexOf(quote, i);
            if (q < 0) {
                // Where the literal starts, for the reader to find the quote that is not closed.
                throw new SelectorSyntaxException(start + 1, closing, "end of selector", null);
            }
            if (q + 1 < text.length() && text.charAt(q + 1) == quote) {
                if (value == null) {
                    value = new StringBuilder();
                }
                value.append(text, from, q + 1);
                i = q + 2;
                from = i;
                continue;
            }
            i = q + 1;
            return value == null ? text.substring(from, q) : value.append(text, from, q).toString();
        }
    }

    private void number(int start) throws SelectorSyntaxException {
        int n = text.length();
        boolean approximate = false;
        while (i < n && isDigit(text.charAt(i))) {
            i++;
        }
        if (i < n && text.charAt(i) == '.') {
            approximate = true;
            i++;
            while (i < n && isDigit(text.charAt(i))) {
                i++;
            }
        }
        if (i < n && (text.charAt(i) == 'e' || text.charAt(i) == 'E')) {
            int j = i + 1;
            if (j < n && (text.charAt(j) == '+' || text.charAt(j) == '-')) {
                j++;
            }
            if (j >= n || !isDigit(text.charAt(j))) {
                throw new SelectorSyntaxException(j + 1, "the digits of the exponent", foundAt(j), null);
            }
            approximate = true;
            i = j;
            while (i < n && isDigit(text.charAt(i))) {
                i++;
            }
        }
        String digits = text.substring(start, i);
        add(approximate ? Type.APPROXIMATE : Type.EXACT, digits, start);
    }

    private void identifier(int start) {
        int n = text.length();
        i += Character.charCount(text.codePointAt(i));
        while (i < n) {
            int cp = text.codePointAt(i);
            if (cp == '.' || (Character.isJavaIdentifierPart(cp) && !Character.isIdentifierIgnorable(cp))) {
                i += Character.charCount(cp);
            } else {
                break;
            }
        }
        String name = text.substring(start, i);
        String upper = asciiUpperCase(name);
        Type keyword = upper == null ? null : KEYWORDS.get(upper);
        if (keyword != null) {
            add(keyword, name, start);
        } else if (SUBJECT.equalsIgnoreCase(name) && upper != null) {
            add(Type.SUBJECT, name, start);
        } else {
            add(Type.IDENTIFIER, name, start);
        }
    }

    private void operator(char c, int start) throws SelectorSyntaxException {
        char next = i + 1 < text.length() ? text.charAt(i + 1) : 0;
        Type type;
        int length = 1;
        switch (c) {
            case '=' -> type = Type.EQ;
            case '<' -> {
                if (next == '>') {
                    type = Type.NE;
                    length = 2;
                } else if (next == '=') {
                    type = Type.LE;
                    length = 2;
                } else {
                    type = Type.LT;
                }
            }
            case '>' -> {
                type = next == '=' ? Type.GE : Type.GT;
                length = next == '=' ? 2 : 1;
            }
            case '+' -> type = Type.PLUS;
            case '-' -> type = Type.MINUS;
            case '*' -> type = Type.TIMES;
            case '/' -> type = Type.DIVIDE;
            case '(' -> type = Type.LPAREN;
            case ')' -> type = Type.RPAREN;
            case ',' -> type = Type.COMMA;
            case '[' -> type = Type.LBRACKET;
            case ']' -> type = Type.RBRACKET;
            default -> throw new SelectorSyntaxException(start + 1, "an identifier, literal, operator or parenthesis",
                    foundAt(start), hint(c, next));
        }
        i += length;
        add(type, text.substring(start, i), start);
    }

    private static String hint(char c, char next) {
        if (c == '!' && next == '=') {
            return "'not equal' is written <>";
        }
        if (c == '&' || c == '|') {
            return "the logical operators are AND, OR and NOT";
        }
        if (c == '`') {
            return "a header name is quoted with double quotes, a string with single quotes";
        }
        return null;
    }

    private String foundAt(int index) {
        if (index >= text.length()) {
            return "end of selector";
        }
        int cp = text.codePointAt(index);
        return "'" + new String(Character.toChars(cp)) + "'";
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    /** Keywords are ASCII: upper-casing {@code ı} or {@code ſ} must not make one. {@code null} when not ASCII. */
    static String asciiUpperCase(String s) {
        char[] chars = null;
        for (int k = 0; k < s.length(); k++) {
            char ch = s.charAt(k);
            if (ch > 0x7f) {
                return null;
            }
            if (ch >= 'a' && ch <= 'z') {
                if (chars == null) {
                    chars = s.toCharArray();
                }
                chars[k] = (char) (ch - 'a' + 'A');
            }
        }
        return chars == null ? s : new String(chars);
    }
}
