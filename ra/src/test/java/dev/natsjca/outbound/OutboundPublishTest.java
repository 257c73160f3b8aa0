package dev.natsjca.outbound;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.natsjca.adapter.NatsResourceAdapter;
import dev.natsjca.api.NatsConnection;
import dev.natsjca.api.NatsConnectionFactory;
import dev.natsjca.testing.Await;
import dev.natsjca.testing.NatsServer;
import dev.natsjca.testing.NatsServerExtension;
import dev.natsjca.testing.StartedAdapter;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Subscription;
import io.nats.client.impl.Headers;
import jakarta.resource.spi.ConnectionEvent;
import jakarta.resource.spi.ConnectionEventListener;
import jakarta.resource.spi.InvalidPropertyException;

/** Outbound publishing through the connection factory, against a real nats-server. */
class OutboundPublishTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @RegisterExtension
    static final NatsServerExtension NATS = NatsServerExtension.onFreePort();

    private StartedAdapter started;
    private NatsResourceAdapter adapter;
    private NatsManagedConnectionFactory mcf;
    private Connection client;

    @BeforeEach
    void start() throws Exception {
        started = new StartedAdapter(NATS.server().url(), 2);
        adapter = started.adapter();
        mcf = new NatsManagedConnectionFactory();
        mcf.setResourceAdapter(adapter);
        client = Nats.connect(NATS.server().url());
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        started.close();
    }

    @Test
    void publishesPayloadAndHeadersIntact() throws Exception {
        Subscription sub = client.subscribe("out.greetings");
        client.flush(WAIT);
        NatsConnectionFactory factory = (NatsConnectionFactory) mcf.createConnectionFactory();
        byte[] payload = "payload \u2713".getBytes(StandardCharsets.UTF_8);
        try (NatsConnection c = factory.getConnection()) {
            c.publish("out.greetings", new Headers().put("K", "v1", "v2"), payload);
            c.publish("out.greetings", payload);
        }
        Message first = sub.nextMessage(WAIT);
        assertNotNull(first, "first message not received");
        assertEquals("out.greetings", first.getSubject());
        assertArrayEquals(payload, first.getData());
        assertEquals(List.of("v1", "v2"), first.getHeaders().get("K"));
        Message second = sub.nextMessage(WAIT);
        assertNotNull(second, "second message not received");
        assertFalse(second.hasHeaders());
    }

    @Test
    void closedHandleRefusesToPublish() {
        NatsConnectionFactory factory = (NatsConnectionFactory) mcf.createConnectionFactory();
        NatsConnection c = factory.getConnection();
        c.close();
        c.close(); // harmless
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> c.publish("out.x", new byte[0]));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }

    @Test
    void cleanupInvalidatesHandles() throws Exception {
        NatsManagedConnection mc = (NatsManagedConnection) mcf.createManagedConnection(null, null);
        try {
            NatsConnection handle = (NatsConnection) mc.getConnection(null, null);
            mc.cleanup();
            assertThrows(IllegalStateException.class, () -> handle.publish("out.x", new byte[0]));
        } finally {
            mc.destroy();
        }
    }

    @Test
    void invalidPublishSubjectIsNamed() {
        NatsConnectionFactory factory = (NatsConnectionFactory) mcf.createConnectionFactory();
        try (NatsConnection c = factory.getConnection()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> c.publish("out.*", new byte[0]));
            assertTrue(e.getMessage().contains("'out.*'"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> c.publish("", new byte[0]));
        }
    }

    @Test
    void handleCloseTellsThePoolTheConnectionIsFree() throws Exception {
        NatsManagedConnection mc = (NatsManagedConnection) mcf.createManagedConnection(null, null);
        List<ConnectionEvent> events = new ArrayList<>();
        mc.addConnectionEventListener(new Recorder(events));
        try {
            NatsConnection handle = (NatsConnection) mc.getConnection(null, null);
            handle.close();
            assertEquals(1, events.size());
            assertEquals(ConnectionEvent.CONNECTION_CLOSED, events.get(0).getId());
            assertEquals(handle, events.get(0).getConnectionHandle());
        } finally {
            mc.destroy();
        }
    }

    @Test
    void eachManagedConnectionOwnsItsOwnNatsConnection() throws Exception {
        NatsManagedConnection a = (NatsManagedConnection) mcf.createManagedConnection(null, null);
        NatsManagedConnection b = (NatsManagedConnection) mcf.createManagedConnection(null, null);
        try {
            Await.until(WAIT, "two client connections at the server",
                    () -> NATS.server().monitor("/connz").contains("\"num_connections\": 3"));
            assertEquals(a, mcf.matchManagedConnections(Set.of(a), null, null));
            NatsManagedConnectionFactory other = new NatsManagedConnectionFactory();
            other.setServerUrls("nats://127.0.0.1:1");
            other.setResourceAdapter(adapter);
            assertNotEquals(mcf, other);
            assertEquals(null, other.matchManagedConnections(Set.of(a, b), null, null));
        } finally {
            a.destroy();
            b.destroy();
        }
        assertFalse(a.isUsable());
    }

    @Test
    void invalidSettingsFailWhenTheFactoryIsAssociated() {
        NatsManagedConnectionFactory bad = new NatsManagedConnectionFactory();
        bad.setServerUrls("nats://host:4222,http://elsewhere");
        InvalidPropertyException e = assertThrows(InvalidPropertyException.class, () -> bad.setResourceAdapter(adapter));
        assertTrue(e.getMessage().contains("'serverUrls'") && e.getMessage().contains("http://elsewhere"), e.getMessage());
    }

    @Test
    void inheritsTheAdapterDefaultsAndOverridesThem() throws Exception {
        assertEquals(List.of(NATS.server().url()), mcf.settings().servers());
        NatsManagedConnectionFactory own = new NatsManagedConnectionFactory();
        own.setServerUrls("nats://elsewhere:4222");
        own.setResourceAdapter(adapter);
        assertEquals(List.of("nats://elsewhere:4222"), own.settings().servers());
    }

    /**
     * jnats gives up after maxReconnects: the managed connection reports
     * CONNECTION_ERROR_OCCURRED (so a pool drops it) and a new one works once the server is back.
     */
    @Test
    void connectionClosedForGoodIsReportedAndReplaced() throws Exception {
        try (NatsServer own = NatsServer.start()) {
            NatsManagedConnectionFactory f = new NatsManagedConnectionFactory();
            f.setServerUrls(own.url());
            f.setMaxReconnects("1");
            f.setReconnectWait("100");
            f.setResourceAdapter(adapter);
            NatsManagedConnection mc = (NatsManagedConnection) f.createManagedConnection(null, null);
            List<ConnectionEvent> events = new java.util.concurrent.CopyOnWriteArrayList<>();
            mc.addConnectionEventListener(new Recorder(events));

            own.kill();
            Await.until(WAIT, () -> "CONNECTION_ERROR_OCCURRED after reconnects ran out, events: " + events.size(),
                    () -> events.stream().anyMatch(e -> e.getId() == ConnectionEvent.CONNECTION_ERROR_OCCURRED));
            assertFalse(mc.isUsable());
            assertEquals(null, f.matchManagedConnections(Set.of(mc), null, null), "a dead connection was matched");
            mc.destroy();

            own.startAgain();
            NatsManagedConnection fresh = (NatsManagedConnection) f.createManagedConnection(null, null);
            try {
                assertTrue(fresh.isUsable());
            } finally {
                fresh.destroy();
            }
        }
    }

    /** A short outage is bridged by jnats' reconnect: the same handle keeps publishing, no error event. */
    @Test
    void temporaryOutageIsBridgedByReconnect() throws Exception {
        try (NatsServer own = NatsServer.start()) {
            NatsManagedConnectionFactory f = new NatsManagedConnectionFactory();
            f.setServerUrls(own.url());
            f.setReconnectWait("100");
            f.setResourceAdapter(adapter);
            NatsManagedConnection mc = (NatsManagedConnection) f.createManagedConnection(null, null);
            List<ConnectionEvent> events = new java.util.concurrent.CopyOnWriteArrayList<>();
            mc.addConnectionEventListener(new Recorder(events));
            try (NatsConnection handle = (NatsConnection) mc.getConnection(null, null)) {
                own.kill();
                own.startAgain();
                try (Connection observer = Nats.connect(own.url())) {
                    Subscription sub = observer.subscribe("out.after");
                    observer.flush(WAIT);
                    Await.until(WAIT, "reconnected", () -> mc.isUsable() && mc.connected());
                    handle.publish("out.after", new byte[] {7});
                    assertNotNull(sub.nextMessage(WAIT), "publish after reconnect not received");
                }
            } finally {
                mc.destroy();
            }
            assertTrue(events.stream().noneMatch(e -> e.getId() == ConnectionEvent.CONNECTION_ERROR_OCCURRED));
        }
    }

    private record Recorder(List<ConnectionEvent> events) implements ConnectionEventListener {
        @Override
        public void connectionClosed(ConnectionEvent event) {
            events.add(event);
        }

        @Override
        public void connectionErrorOccurred(ConnectionEvent event) {
            events.add(event);
        }

        @Override
        public void localTransactionStarted(ConnectionEvent event) {
        }

        @Override
        public void localTransactionCommitted(ConnectionEvent event) {
        }

        @Override
        public void localTransactionRolledback(ConnectionEvent event) {
        }
    }
}
