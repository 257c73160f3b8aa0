package dev.natsjca.inbound.jetstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.natsjca.inbound.EndpointActivation;
import dev.natsjca.inbound.NatsActivationSpec;
import dev.natsjca.testing.Await;
import dev.natsjca.testing.NatsServer;
import dev.natsjca.testing.Specs;
import dev.natsjca.testing.StartedAdapter;
import dev.natsjca.testing.TcpProxy;
import dev.natsjca.testing.TestEndpointFactory;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;

/**
 * An activation never stalls silently: a consumer deleted or expired on the server is set up
 * again and consumption resumes, JetStream not ready at activation is waited for, and a half-open
 * connection is noticed within seconds. Each test ends with nothing lost.
 */
class ConsumerRecoveryTest {

    private static final Duration WAIT = Duration.ofSeconds(40);
    private static final int CONSUMER_NOT_FOUND = 10014;

    private NatsServer server;
    private StartedAdapter started;
    private Connection client;
    private JetStreamManagement jsm;
    private JetStream js;
    private final List<String> warnings = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            if (r.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue()) {
                warnings.add(new java.util.logging.SimpleFormatter().formatMessage(r));
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void start() throws Exception {
        server = NatsServer.start();
        started = new StartedAdapter(server.url(), 8);
        client = Nats.connect(Options.builder().server(server.url()).maxReconnects(-1)
                .reconnectWait(Duration.ofMillis(100)).build());
        jsm = client.jetStreamManagement();
        js = client.jetStream();
        Logger.getLogger(EndpointActivation.class.getName()).addHandler(capture);
    }

    @AfterEach
    void stop() throws Exception {
        Logger.getLogger(EndpointActivation.class.getName()).removeHandler(capture);
        started.close();
        client.close();
        server.close();
    }

    private void publish(String subject, int from, int to) throws Exception {
        for (int i = from; i < to; i++) {
            js.publish(subject, Integer.toString(i).getBytes(StandardCharsets.UTF_8));
        }
    }

    private static Set<String> bodies(TestEndpointFactory endpoint) {
        Set<String> seen = ConcurrentHashMap.newKeySet();
        endpoint.received().forEach(r -> seen.add(new String(r.data(), StandardCharsets.UTF_8)));
        return seen;
    }

    private ConsumerInfo consumer(String stream, String name) {
        try {
            return jsm.getConsumerInfo(stream, name);
        } catch (Exception e) {
            return null;
        }
    }

    /**
     * Deletes as an operator would, again if the server says it failed: nats-server 2.9 can fail
     * to remove an active consumer's directory ("unlinkat …: directory not empty", 10051) while
     * the consumer itself is already gone.
     */
    private void deleteConsumer(String stream, String name) {
        Await.untilServer(WAIT, "consumer " + name + " deleted", () -> {
            try {
                return jsm.deleteConsumer(stream, name);
            } catch (JetStreamApiException e) {
                if (e.getApiErrorCode() == CONSUMER_NOT_FOUND) {
                    return true;
                }
                throw e;
            }
        });
    }

    @Test
    void aDurableDeletedWhileActiveIsCreatedAgainAndConsumptionResumes() throws Exception {
        jsm.addStream(StreamConfiguration.builder().name("DEL").subjects("del.>").build());
        TestEndpointFactory endpoint = new TestEndpointFactory("del");
        started.adapter().endpointActivation(endpoint, Specs.of("del.x", "DEL", "del-worker"));
        publish("del.x", 0, 50);
        Await.until(WAIT, "the first 50", () -> bodies(endpoint).size() == 50);
        Await.until(WAIT, "acked", () -> consumer("DEL", "del-worker").getAckFloor().getStreamSequence() == 50);

        deleteConsumer("DEL", "del-worker"); // an operator's mistake
        publish("del.x", 50, 100);

        Await.until(WAIT, () -> "all 100 after the durable was deleted, got " + bodies(endpoint).size(),
                () -> bodies(endpoint).size() == 100);
        Await.until(WAIT, "the durable again, settled", () -> {
            ConsumerInfo ci = consumer("DEL", "del-worker");
            return ci != null && ci.getNumPending() == 0 && ci.getNumAckPending() == 0;
        });
        assertTrue(warnings.stream().anyMatch(w -> w.contains("del-worker") && w.contains("gone from the server")),
                warnings.toString());
    }

    @Test
    void aConsumerCheckTheWorkManagerRefusedLeavesLaterChecksOn() throws Exception {
        jsm.addStream(StreamConfiguration.builder().name("CHK").subjects("chk.>").build());
        TestEndpointFactory endpoint = new TestEndpointFactory("chk");
        started.adapter().endpointActivation(endpoint, Specs.of("chk.x", "CHK", "chk-worker"));
        Await.until(WAIT, "bound", () -> consumer("CHK", "chk-worker") != null
                && consumer("CHK", "chk-worker").getNumWaiting() == 1);
        // No message yet, so no worker: the next background work is the periodic consumer check.
        started.workManager().rejectNext(1);
        Await.until(WAIT, "a check refused", () -> started.workManager().rejected() == 1);

        deleteConsumer("CHK", "chk-worker");
        publish("chk.x", 0, 10);
        Await.until(WAIT, () -> "all 10 after the durable was deleted, got " + bodies(endpoint).size(),
                () -> bodies(endpoint).size() == 10);
    }

    @Test
    void anEphemeralConsumerThatVanishedDuringAnOutageIsSetUpAgainFromWhereItWas() throws Exception {
        jsm.addStream(StreamConfiguration.builder().name("EPH").subjects("eph.>").build());
        try (TcpProxy proxy = new TcpProxy(server.port())) {
            TestEndpointFactory endpoint = new TestEndpointFactory("eph");
            NatsActivationSpec spec = Specs.of("eph.x", "EPH", null);
            spec.setServerUrls(proxy.url());
            spec.setReconnectWait("200");
            started.adapter().endpointActivation(endpoint, spec);
            publish("eph.x", 0, 20);
            Await.until(WAIT, "the first 20", () -> bodies(endpoint).size() == 20);
            Await.until(WAIT, "acked", () -> {
                ConsumerInfo ci = consumer("EPH", onlyConsumer("EPH"));
                return ci != null && ci.getAckFloor().getStreamSequence() == 20;
            });

            proxy.cut(); // the server is out of reach for longer than the ephemeral's inactivity threshold:
            deleteConsumer("EPH", onlyConsumer("EPH")); // it expires (as the server would do after it)
            publish("eph.x", 20, 40);
            proxy.restore();

            Await.until(WAIT, () -> "the 20 published during the outage, got " + bodies(endpoint).size(),
                    () -> bodies(endpoint).size() == 40);
            assertEquals(40, endpoint.received().size(), "messages acked before the outage were delivered again");
        }
    }

    @Test
    void aStreamCreatedAnewStartsConsumptionOverWithItsOwnSequences() throws Exception {
        jsm.addStream(StreamConfiguration.builder().name("AGAIN").subjects("again.>").build());
        publish("again.x", 0, 50);
        TestEndpointFactory first = new TestEndpointFactory("again-1");
        NatsActivationSpec spec = Specs.of("again.x", "AGAIN", "again-worker");
        started.adapter().endpointActivation(first, spec);
        Await.until(WAIT, "the first 50 acked", () -> consumer("AGAIN", "again-worker") != null
                && consumer("AGAIN", "again-worker").getAckFloor().getStreamSequence() == 50);
        started.adapter().endpointDeactivation(first, spec);
        TestEndpointFactory endpoint = new TestEndpointFactory("again-2");
        started.adapter().endpointActivation(endpoint, spec); // binds the durable: its ack floor 50 known

        jsm.deleteStream("AGAIN"); // an operator recreates the stream to change what cannot be edited
        jsm.addStream(StreamConfiguration.builder().name("AGAIN").subjects("again.>").build());
        for (int i = 0; i < 20; i++) {
            js.publish("again.x", ("new-" + i).getBytes(StandardCharsets.UTF_8)); // sequences 1..20 again
        }
        Await.until(WAIT, () -> "the 20 of the new stream, got " + bodies(endpoint),
                () -> bodies(endpoint).stream().filter(b -> b.startsWith("new-")).count() == 20);
    }

    private String onlyConsumer(String stream) {
        try {
            List<String> names = jsm.getConsumerNames(stream);
            assertEquals(1, names.size(), names.toString());
            return names.get(0);
        } catch (java.io.IOException | io.nats.client.JetStreamApiException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void anActivationStartedWhileJetStreamIsNotReadyWaitsForIt() throws Exception {
        jsm.addStream(StreamConfiguration.builder().name("LATER").subjects("later.>").storageType(StorageType.File)
                .build());
        publish("later.x", 0, 10);
        server.stop();
        server.startAgain(false); // up, but JetStream off: requests are answered 503
        Await.until(WAIT, "client back", () -> client.getStatus() == Connection.Status.CONNECTED);

        TestEndpointFactory endpoint = new TestEndpointFactory("later");
        NatsActivationSpec spec = Specs.of("later.x", "LATER", "later-worker");
        started.adapter().endpointActivation(endpoint, spec); // must not fail the deployment
        EndpointActivation activation = started.adapter().activation(endpoint, spec);
        assertEquals(EndpointActivation.State.CONNECTED, activation.state());

        server.stop();
        server.startAgain(true);
        Await.until(WAIT, () -> "all 10 once JetStream is up, got " + bodies(endpoint).size(),
                () -> bodies(endpoint).size() == 10);
        assertEquals(EndpointActivation.State.CONSUMING, activation.state());
    }

    @Test
    void aHalfOpenConnectionIsNoticedWithinSecondsAndConsumptionResumes() throws Exception {
        jsm.addStream(StreamConfiguration.builder().name("HALF").subjects("half.>").build());
        try (TcpProxy proxy = new TcpProxy(server.port())) {
            TestEndpointFactory endpoint = new TestEndpointFactory("half");
            NatsActivationSpec spec = Specs.of("half.x", "HALF", "half-worker");
            spec.setServerUrls(proxy.url());
            spec.setReconnectWait("200");
            started.adapter().endpointActivation(endpoint, spec);
            publish("half.x", 0, 5);
            Await.until(WAIT, "the first 5", () -> bodies(endpoint).size() == 5);

            proxy.blackhole(); // the connection stays open, nothing passes: the peer looks alive
            // Two unanswered pings at the 5 s default: noticed in 10-15 s (jnats' default would take minutes).
            Await.until(Duration.ofSeconds(25), "the activation noticed the dead connection",
                    () -> warnings.stream().anyMatch(w -> w.contains("half.x") && w.contains("disconnected")));
            proxy.restore();
            publish("half.x", 5, 10);
            Await.until(WAIT, () -> "all 10 after the reconnect, got " + bodies(endpoint).size(),
                    () -> bodies(endpoint).size() == 10);
        }
    }
}
