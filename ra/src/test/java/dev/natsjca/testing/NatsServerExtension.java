package dev.natsjca.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Starts a {@link NatsServer} before a test class and stops it (deleting its store) after; test
 * methods may take the running {@link NatsServer} as a parameter.
 *
 * <p>With Arquillian, list it <em>before</em> the Arquillian extension,
 * {@code @ExtendWith({NatsServerExtension.class, ArquillianExtension.class})}: the deployment
 * happens in Arquillian's {@code beforeAll}, and the message-driven beans connect while it runs.
 * Used that way it listens on the port in system property {@value #PORT_PROPERTY}, which the build
 * reserved and handed to the application server as {@code NATS_URL}.
 */
public class NatsServerExtension implements BeforeAllCallback, AfterAllCallback, ParameterResolver {

    /** The system property naming the port the build reserved for the tests' nats-server. */
    public static final String PORT_PROPERTY = "nats.test.port";

    private final int port;
    private final String[] args;
    private NatsServer server;

    /** A server on the port in {@value #PORT_PROPERTY}, or on a free port when it is not set. */
    public NatsServerExtension() {
        this(Integer.parseInt(System.getProperty(PORT_PROPERTY, "0")));
    }

    /**
     * A server on the port in {@value #PORT_PROPERTY} (or a free one), started with extra
     * nats-server arguments: for a subclass that a test names in {@code @ExtendWith}.
     */
    protected NatsServerExtension(String... args) {
        this(Integer.parseInt(System.getProperty(PORT_PROPERTY, "0")), args);
    }

    private NatsServerExtension(int port, String... args) {
        this.port = port;
        this.args = args;
    }

    /** A server on a free port, started with extra nats-server arguments. */
    public static NatsServerExtension onFreePort(String... args) {
        return new NatsServerExtension(0, args);
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

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == NatsServer.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return server();
    }
}
