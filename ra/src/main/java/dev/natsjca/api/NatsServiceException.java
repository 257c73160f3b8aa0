package dev.natsjca.api;

/**
 * Thrown by a {@link NatsServiceListener} to answer a request with a service error: the requester
 * receives an empty reply with headers {@code Nats-Service-Error: <description>} and
 * {@code Nats-Service-Error-Code: <code>}, and the endpoint counts an error. An application
 * exception that rolls the bean's transaction back, so nothing the bean staged leaves.
 */
@jakarta.ejb.ApplicationException(rollback = true, inherited = true)
public class NatsServiceException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int code;

    /**
     * @param code the error code the requester sees (HTTP-like: 400 bad request, 404, 503…), at least 1
     * @param description what went wrong, for the requester: sent as a header (one line, no secrets)
     */
    public NatsServiceException(int code, String description) {
        super(description);
        if (code < 1) {
            throw new IllegalArgumentException("A service error code must be at least 1, not " + code);
        }
        this.code = code;
    }

    /** @return the error code the requester sees */
    public int code() {
        return code;
    }
}
