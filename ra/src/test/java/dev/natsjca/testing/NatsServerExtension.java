package dev.natsjca.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts a {@link NatsServer} before a test class and stops it (deleting its store) after.
 * Register it with {@code @RegisterExtension static} and, with Arquillian, <em>before</em> the
 * Arquillian extension: the deployment happens in Arquillian's {@code beforeAll}, and the
 * message-driven beans connect while it runs.
 */
public final class NatsServerExtension implements BeforeAllCallback, AfterAllCallback {

    private final int port;
    private final String[] args;
    private NatsServer server;

    private NatsServerExtension(int port, String... args) {
        this.port = port;
        this.args = args;
    }

    /** A server on a free port. */
    public static NatsServerExtension onFreePort(String... args) {
        return new NatsServerExtension(0, args);
    }

    /**
     * A server on the port named by a system property, e.g. {@code nats.test.port}: the port the
     * build reserved and handed to the application server as {@code NATS_URL}.
     */
    public static NatsServerExtension onPortFromSystemProperty(String property, String... args) {
        String value = System.getProperty(property);
        if (value == null) {
            throw new IllegalStateException("System property " + property + " is not set (the build sets it)");
        }
        return new NatsServerExtension(Integer.parseInt(value), args);
    }

    /** @return the running server */
    public NatsServer server() {
        if (server == null) {
            throw new IllegalStateException("nats-server not started yet");
        }
        return server;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        server = NatsServer.start(port, args);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (server != null) {
            server.close();
            server = null;
        }
    }
}
