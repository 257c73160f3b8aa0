package dev.natsjca.inbound;

/**
 * The NATS server refused an activation's configuration (a stream that does not exist, a durable
 * whose existing settings cannot be changed, a dead-letter subject no stream stores): retrying
 * cannot help. Fails the deployment when it happens at activation; ends the activation with an
 * ERROR when it happens in a later attempt. The message names the property and its value.
 */
public class ConfigurationException extends Exception {

    private static final long serialVersionUID = 1L;

    /** @param message names the property and the value */
    public ConfigurationException(String message) {
        super(message);
    }

    /**
     * @param message names the property and the value
     * @param cause the server's refusal
     */
    public ConfigurationException(String message, Throwable cause) {
        super(message, cause);
    }
}
