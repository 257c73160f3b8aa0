package dev.natsjca.streams;

/** A stream cannot match its declaration; the message names the stream, the setting and both values. */
public class StreamDeclarationException extends Exception {

    private static final long serialVersionUID = 1L;

    /** @param message names the stream, the setting and both values */
    public StreamDeclarationException(String message) {
        super(message);
    }

    /**
     * @param message names the stream and what the server refused
     * @param cause the server's refusal
     */
    public StreamDeclarationException(String message, Throwable cause) {
        super(message, cause);
    }
}
