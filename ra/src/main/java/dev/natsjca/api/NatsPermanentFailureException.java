package dev.natsjca.api;

/**
 * Thrown by a message-driven bean to say that a message can never be processed: the adapter
 * dead-letters it at once, without further attempts (see {@link NatsPermanentFailure}). Its
 * message becomes the dead letter's {@code Dead-Letter-Reason}, so say what was wrong.
 */
@NatsPermanentFailure
public class NatsPermanentFailureException extends NatsException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message why the message cannot be processed
     */
    public NatsPermanentFailureException(String message) {
        super(message);
    }

    /**
     * @param message why the message cannot be processed
     * @param cause what found it out
     */
    public NatsPermanentFailureException(String message, Throwable cause) {
        super(message, cause);
    }
}
