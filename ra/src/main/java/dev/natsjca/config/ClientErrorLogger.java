package dev.natsjca.config;

import java.lang.System.Logger.Level;

import io.nats.client.Connection;
import io.nats.client.Consumer;
import io.nats.client.ErrorListener;

/**
 * Routes jnats' asynchronous errors to the server log (jnats' default listener prints to stderr),
 * prefixed with who owns the connection. An owner that knows better what a slow consumer means
 * (an activation) overrides {@link #slowConsumerDetected}.
 */
public class ClientErrorLogger implements ErrorListener {

    private static final System.Logger LOG = System.getLogger("dev.natsjca.client");

    /** Names the connection's owner in every message. */
    protected final String owner;

    /** @param owner names the connection's owner in every message, e.g. the activation's subject */
    public ClientErrorLogger(String owner) {
        this.owner = owner;
    }

    @Override
    public void errorOccurred(Connection conn, String error) {
        LOG.log(Level.WARNING, "{0}: NATS server error: {1}", owner, error);
    }

    @Override
    public void exceptionOccurred(Connection conn, Exception exp) {
        LOG.log(Level.WARNING, owner + ": NATS client exception", exp);
    }

    @Override
    public void slowConsumerDetected(Connection conn, Consumer consumer) {
        LOG.log(Level.WARNING, "{0}: slow consumer, messages are being dropped", owner);
    }
}
