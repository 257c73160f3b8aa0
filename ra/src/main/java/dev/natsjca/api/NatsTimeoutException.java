package dev.natsjca.api;

/** No answer within the timeout: no responder on the subject, or it was too slow. */
public class NatsTimeoutException extends NatsException {

    private static final long serialVersionUID = 1L;

    /** @param message what timed out, naming the subject and the timeout */
    public NatsTimeoutException(String message) {
        super(message);
    }
}
