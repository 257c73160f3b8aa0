package dev.natsjca.api;

/**
 * A payload could not be turned into the type asked for: the message names another protobuf type,
 * or its bytes are not a valid encoding of the type.
 */
public class NatsPayloadException extends NatsException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed, naming the subject and the types involved
     * @param cause the parser's failure, or {@code null}
     */
    public NatsPayloadException(String message, Throwable cause) {
        super(message, cause);
    }
}
