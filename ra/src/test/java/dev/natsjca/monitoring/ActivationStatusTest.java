package dev.natsjca.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.natsjca.api.NatsActivationState;
import dev.natsjca.api.NatsActivationStatus;
import dev.natsjca.inbound.NatsActivationSpec;
import dev.natsjca.testing.Await;
import dev.natsjca.testing.NatsServer;
import dev.natsjca.testing.Specs;
import dev.natsjca.testing.StartedAdapter;
import dev.natsjca.testing.TcpProxy;
import dev.natsjca.testing.TestEndpointFactory;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.api.StreamConfiguration;

/**
 * The status tells the truth: counts match what happened, exactly; a stopped server, a consumer
 * gone from the server and a pull gone silent each show, make the activation not ready (after
 * the grace period, for connecting), and clear when the adapter recovers. JMX shows the same.
 */
class ActivationStatusTest {

    private static final Duration WAIT = Duration.ofSeconds(40);

    private NatsServer server;
    private StartedAdapter started;
    private Connection client;
    private JetStreamManagement jsm;
    private JetStream js;

    @BeforeEach
    void start() throws Exception {
        server = NatsServer.start();
        started = new StartedAdapter(server.url(), 8, a -> a.setReadinessGracePeriod("1000"));
        client = Nats.connect(Options.builder().server(server.url()).maxReconnects(-1)
                .reconnectWait(Duration.ofMillis(100)).build());
        jsm = client.jetStreamManagement();
        js = client.jetStream();
    }

    @AfterEach
    void stop() throws Exception {
        started.close();
        client.close();
        server.close();
    }

    private NatsActivationStatus status(String source) {
        return started.adapter().monitoring().snapshot().activations().stream()
                .filter(a -> a.source().startsWith(source)).findFirst()
                .orElseThrow(() -> new AssertionError("no activation on " + source + " in "
                        + started.adapter().monitoring().snapshot()));
    }

    private void publish(String subject, int n) throws Exception {
        for (int i = 0; i < n; i++) {
            js.publish(subject, ("m" + i).getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void countsMatchWhatHappenedAndJmxShowsTheSame() throws Exception {
        jsm.addStream(StreamConfiguration.builder().name("CNT").subjects("cnt.>").build());
        jsm.addStream(StreamConfiguration.builder().name("CNT_DLQ").subjects("dlq.cnt").build());
        // m3 always fails: delivered 3 times (maxDeliver 3), dead-lettered once; m5 fails once, then succeeds.
        AtomicReference<Boolean> m5Failed = new AtomicReference<>(false);
        TestEndpointFactory endpoint = new TestEndpointFactory("cnt", m -> {
            String body = new String(m.data(), StandardCharsets.UTF_8);
            if (body.equals("m3") || body.equals("m5") && !m5Failed.getAndSet(true)) {
                throw new IllegalStateException("test: " + body + " fails");
            }
        });
        NatsActivationSpec spec = Specs.of("cnt.x", "CNT", "cnt-worker");
        spec.setMaxDeliver("3");
        spec.setBackoff("10,10");
        spec.setDeadLetterSubject("dlq.cnt");
        started.adapter().endpointActivation(endpoint, spec);
        publish("cnt.x", 10);

        Await.until(WAIT, () -> "10 settled: " + status("cnt.x"), () -> {
            NatsActivationStatus s = status("cnt.x");
            return s.succeeded() == 9 && s.deadLettered() == 1;
        });
        NatsActivationStatus s = status("cnt.x");
        assertEquals(NatsActivationState.CONSUMING, s.state());
        assertTrue(s.ready(), s.toString());
        assertTrue(s.live(), s.toString());
        assertTrue(s.jetStream());
        assertTrue(s.connected());
        assertEquals(13, s.delivered(), s.toString()); // 10 + m3 twice more + m5 once more
        assertEquals(9, s.succeeded());
        assertEquals(4, s.failed());
        assertEquals(3, s.redelivered());
        assertEquals(1, s.deadLettered());
        assertEquals(0, s.terminated());
        assertEquals(0, s.inFlight());
        assertEquals(0, s.handOffDepth());
        assertEquals(13, s.processingTime().count());
        assertNotNull(s.lastDelivery());
        assertNotNull(s.server());

        // num_pending / num_ack_pending come from the periodic consumer check, not per message.
        Await.until(WAIT, () -> "a consumer check: " + status("cnt.x"), () -> status("cnt.x").numAckPending() == 0
                && status("cnt.x").numPending() == 0 && Boolean.TRUE.equals(status("cnt.x").consumerPresent()));

        MBeanServer mbeans = ManagementFactory.getPlatformMBeanServer();
        ObjectName name = Monitoring.objectName("Activation", s.name());
        assertEquals(13L, mbeans.getAttribute(name, "Delivered"));
        assertEquals(9L, mbeans.getAttribute(name, "Succeeded"));
        assertEquals(4L, mbeans.getAttribute(name, "Failed"));
        assertEquals(3L, mbeans.getAttribute(name, "Redelivered"));
        assertEquals(1L, mbeans.getAttribute(name, "DeadLettered"));
        assertEquals("CONSUMING", mbeans.getAttribute(name, "State"));
        assertEquals(true, mbeans.getAttribute(name, "Ready"));
        assertEquals(13L, mbeans.getAttribute(name, "ProcessingCount"));

        started.adapter().endpointDeactivation(endpoint, spec);
        assertFalse(mbeans.isRegistered(name), "the MBean goes with the activation");
    }

    @Test
    void aStoppedServerMakesItNotReadyAfterTheGracePeriodAndARestartReadyAgain() throws Exception {
        jsm.addStream(StreamConfiguration.builder().name("GONE").subjects("gone.>").build());
        TestEndpointFactory endpoint = new TestEndpointFactory("gone");
        NatsActivationSpec spec = Specs.of("gone.x", "GONE", "gone-worker");
        spec.setReconnectWait("200");
        started.adapter().endpointActivation(endpoint, spec);
        Await.until(WAIT, () -> "consuming: " + status("gone.x"), () -> status("gone.x").ready()
                && status("gone.x").state() == NatsActivationState.CONSUMING);

        server.stop();
        Await.until(WAIT, () -> "reconnecting: " + status("gone.x"),
                () -> status("gone.x").state() == NatsActivationState.RECONNECTING);
        assertFalse(status("gone.x").connected());
        Await.until(WAIT, () -> "not ready past the 1 s grace: " + status("gone.x"), () -> !status("gone.x").ready());
        assertFalse(started.adapter().monitoring().snapshot().ready());
        assertTrue(started.adapter().monitoring().snapshot().live(), "NATS down is not a liveness problem");

        server.startAgain(true);
        Await.until(WAIT, () -> "ready again: " + status("gone.x"), () -> status("gone.x").ready()
                && status("gone.x").state() == NatsActivationState.CONSUMING);
        publish("gone.x", 3);
        Await.until(WAIT, "delivered after the restart", () -> status("gone.x").succeeded() == 3);
    }

    @Test
    void aConsumerGoneFromTheServerIsNotReadyUntilItIsSetUpAgain() throws Exception {
        StreamConfiguration config = StreamConfiguration.builder().name("LOST").subjects("lost.>").build();
        jsm.addStream(config);
        TestEndpointFactory endpoint = new TestEndpointFactory("lost");
        NatsActivationSpec spec = Specs.of("lost.x", "LOST", "lost-worker");
        started.adapter().endpointActivation(endpoint, spec);
        Await.until(WAIT, () -> "consuming: " + status("lost.x"), () -> status("lost.x").ready());

        // The stream (and with it the durable) deleted: the consumer cannot be set up again until it is back.
        jsm.deleteStream("LOST");
        Await.until(WAIT, () -> "the loss seen: " + status("lost.x"),
                () -> Boolean.FALSE.equals(status("lost.x").consumerPresent()));
        NatsActivationStatus lost = status("lost.x");
        assertFalse(lost.ready(), lost.toString());
        assertNotNull(lost.problem());
        assertFalse(started.adapter().monitoring().snapshot().problems().isEmpty());

        jsm.addStream(config);
        Await.until(WAIT, () -> "recovered: " + status("lost.x"), () -> status("lost.x").ready()
                && status("lost.x").state() == NatsActivationState.CONSUMING);
        assertEquals(1, status("lost.x").consumerRecreations());
        assertEquals(Boolean.TRUE, status("lost.x").consumerPresent());
        publish("lost.x", 2);
        Await.until(WAIT, "delivered after the recovery", () -> status("lost.x").succeeded() == 2);
    }

    @Test
    void aPullThatWentSilentOnALiveLookingConnectionIsStalledUntilItRecovers() throws Exception {
        jsm.addStream(StreamConfiguration.builder().name("MUTE").subjects("mute.>").build());
        try (TcpProxy proxy = new TcpProxy(server.port())) {
            TestEndpointFactory endpoint = new TestEndpointFactory("mute");
            NatsActivationSpec spec = Specs.of("mute.x", "MUTE", "mute-worker");
            spec.setServerUrls(proxy.url());
            spec.setPingInterval("120000"); // the client does not notice: only the silence of the pull tells
            started.adapter().endpointActivation(endpoint, spec);
            Await.until(WAIT, () -> "consuming: " + status("mute.x"), () -> status("mute.x").ready());

            proxy.blackhole();
            Await.until(WAIT, () -> "stalled: " + status("mute.x"),
                    () -> status("mute.x").state() == NatsActivationState.STALLED);
            NatsActivationStatus s = status("mute.x");
            assertTrue(s.connected(), "the connection still looks alive: " + s);
            assertFalse(s.ready(), s.toString());
            assertTrue(s.problem().contains("no message or heartbeat"), s.problem());

            proxy.restore();
            publish("mute.x", 1);
            Await.until(WAIT, () -> "recovered: " + status("mute.x"), () -> status("mute.x").ready()
                    && status("mute.x").succeeded() == 1);
        }
    }

    @Test
    void messagesWaitingWhileNoEndpointCanBeHadAreStalledUntilDeliveriesResume() throws Exception {
        TestEndpointFactory endpoint = new TestEndpointFactory("wedge");
        endpoint.failNextCreates(Integer.MAX_VALUE); // the container gives no endpoint, for good
        NatsActivationSpec spec = new NatsActivationSpec();
        spec.setSubject("core.wedge");
        started.adapter().endpointActivation(endpoint, spec);
        Await.until(WAIT, () -> "consuming: " + status("core.wedge"), () -> status("core.wedge").ready()
                && server.subscriptionCount("core.wedge") == 1);
        for (int i = 0; i < 3; i++) {
            client.publish("core.wedge", new byte[] {(byte) i});
        }
        client.flush(Duration.ofSeconds(5));
        Await.until(Duration.ofSeconds(60), () -> "stalled: " + status("core.wedge"),
                () -> status("core.wedge").state() == NatsActivationState.STALLED);
        NatsActivationStatus s = status("core.wedge");
        assertFalse(s.ready(), s.toString());
        assertTrue(s.problem().startsWith("no delivery worker can run"), s.problem());
        assertTrue(s.handOffDepth() >= 1, s.toString());

        endpoint.failNextCreates(0);
        Await.until(WAIT, () -> "delivered and ready again: " + status("core.wedge"),
                () -> status("core.wedge").succeeded() == 3 && status("core.wedge").ready());
    }

    @Test
    void aConfigurationTheServerRefusesOnceReachableIsFailedAndNotReady() throws Exception {
        try (TcpProxy proxy = new TcpProxy(server.port())) {
            proxy.cut(); // no server at deployment: the activation retries in the background
            TestEndpointFactory endpoint = new TestEndpointFactory("refused");
            NatsActivationSpec spec = Specs.of("refused.x", "NO_SUCH_STREAM", "refused-worker");
            spec.setServerUrls(proxy.url());
            started.adapter().endpointActivation(endpoint, spec);
            assertEquals(NatsActivationState.CONNECTING, status("refused.x").state());

            proxy.restore(); // reachable now, and the stream does not exist: nothing a retry changes
            Await.until(WAIT, () -> "failed: " + status("refused.x"),
                    () -> status("refused.x").state() == NatsActivationState.FAILED);
            NatsActivationStatus s = status("refused.x");
            assertFalse(s.ready(), s.toString());
            assertTrue(s.live(), "a refused configuration is no reason to restart: " + s);
            assertTrue(s.problem().contains("NO_SUCH_STREAM"), s.problem());
        }
    }

    @Test
    void aCoreActivationCountsDeliveriesAndFailures() throws Exception {
        TestEndpointFactory endpoint = new TestEndpointFactory("core", m -> {
            if (new String(m.data(), StandardCharsets.UTF_8).equals("bad")) {
                throw new IllegalArgumentException("test: bad");
            }
        });
        NatsActivationSpec spec = new NatsActivationSpec();
        spec.setSubject("core.status");
        started.adapter().endpointActivation(endpoint, spec);
        Await.until(WAIT, () -> "consuming: " + status("core.status"), () -> status("core.status").ready()
                && server.subscriptionCount("core.status") == 1);
        for (String body : new String[] {"a", "bad", "b"}) {
            client.publish("core.status", body.getBytes(StandardCharsets.UTF_8));
        }
        client.flush(Duration.ofSeconds(5));
        Await.until(WAIT, () -> "3 delivered: " + status("core.status"), () -> status("core.status").delivered() == 3
                && status("core.status").inFlight() == 0);
        NatsActivationStatus s = status("core.status");
        assertEquals(2, s.succeeded());
        assertEquals(1, s.failed());
        assertFalse(s.jetStream());
        assertEquals(null, s.consumerPresent());
        assertEquals(-1, s.numPending());
        assertEquals(0, s.dropped());
    }
}
