package dev.natsjca.api;

/**
 * Raised when the adapter cannot do what the application asked of NATS: no connection could be
 * had, or the NATS client refused a message. Unchecked, like {@code JMSRuntimeException}: an
 * application mostly lets it roll its transaction back.
 */
public class NatsException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed, naming the subject or setting involved
     * @param cause the underlying failure
     */
    public NatsException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * @param message what failed, naming the subject or setting involved
     */
    public NatsException(String message) {
        super(message);
    }
}
