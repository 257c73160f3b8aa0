package dev.natsjca.inbound.selector;

/**
 * A message selector that does not parse, or that the grammar rejects (a string ordered with
 * {@code <}, a keyword used as a header name, a selector too long or too deeply nested ...). The
 * message reads {@code at position 17: expected ')' but found 'AND'}, sometimes followed by a hint.
 */
public final class SelectorSyntaxException extends Exception {

    private static final long serialVersionUID = 1L;

    /** @serial 1-based index into the selector */
    private final int position;
    /** @serial what the grammar allows there */
    private final String expected;
    /** @serial what is there instead */
    private final String found;

    /**
     * @param position where the problem is, a 1-based character index into the selector
     * @param expected what the grammar allows there
     * @param found what is there instead, already quoted or described ({@code end of selector})
     * @param hint a further explanation for the reader, or {@code null}
     */
    SelectorSyntaxException(int position, String expected, String found, String hint) {
        super("at position " + position + ": expected " + expected + " but found " + found
                + (hint == null ? "" : " (" + hint + ")"));
        this.position = position;
        this.expected = expected;
        this.found = found;
    }

    /** @return where the problem is, a 1-based character index into the selector text */
    public int position() {
        return position;
    }

    /** @return what the grammar allows at {@link #position()}, e.g. {@code ')'} or {@code an identifier or literal} */
    public String expected() {
        return expected;
    }

    /** What is at {@link #position()} instead, e.g. {@code 'AND'} or {@code end of selector}. */
    String found() {
        return found;
    }
}
