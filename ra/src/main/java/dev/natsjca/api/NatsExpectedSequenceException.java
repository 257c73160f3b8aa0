package dev.natsjca.api;

/**
 * A JetStream publish with an expected last subject sequence (optimistic concurrency) was refused
 * because another message was stored on that subject in the meantime (JetStream error 10071).
 * Catch it to re-read and retry.
 */
public class NatsExpectedSequenceException extends NatsException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message what was refused, naming the subject
     * @param cause the JetStream API error
     */
    public NatsExpectedSequenceException(String message, Throwable cause) {
        super(message, cause);
    }
}
