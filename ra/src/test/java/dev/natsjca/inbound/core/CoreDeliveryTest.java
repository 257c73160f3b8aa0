package dev.natsjca.inbound.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.natsjca.adapter.NatsResourceAdapter;
import dev.natsjca.inbound.EndpointActivation;
import dev.natsjca.inbound.NatsActivationSpec;
import dev.natsjca.testing.Await;
import dev.natsjca.testing.NatsServer;
import dev.natsjca.testing.NatsServerExtension;
import dev.natsjca.testing.StartedAdapter;
import dev.natsjca.testing.TestEndpointFactory;
import dev.natsjca.testing.TestWorkManager;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.impl.Headers;
import jakarta.resource.spi.InvalidPropertyException;

/**
 * Inbound core-NATS delivery through the adapter, with a real nats-server and the in-test JCA
 * harness standing in for the EJB container.
 */
class CoreDeliveryTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @RegisterExtension
    static final NatsServerExtension NATS = NatsServerExtension.onFreePort();

    private StartedAdapter started;
    private NatsResourceAdapter adapter;
    private Connection client;

    @BeforeEach
    void startAdapter() throws Exception {
        started = new StartedAdapter(NATS.server().url(), 8);
        adapter = started.adapter();
        client = Nats.connect(NATS.server().url());
    }

    @AfterEach
    void stopAdapter() throws Exception {
        started.close();
        client.close();
    }

    /** A spec with only a subject: every other property at its default. */
    private static NatsActivationSpec subjectOnly(String subject) {
        NatsActivationSpec spec = new NatsActivationSpec();
        spec.setSubject(subject);
        return spec;
    }

    private static NatsActivationSpec spec(String subject, String queueGroup, int maxConcurrency) {
        NatsActivationSpec spec = new NatsActivationSpec();
        spec.setSubject(subject);
        spec.setQueueGroup(queueGroup);
        spec.setMaxConcurrency(Integer.toString(maxConcurrency));
        return spec;
    }

    @Test
    void deliversSubjectPayloadAndHeadersOnWorkManagerThreads() throws Exception {
        TestEndpointFactory endpoint = new TestEndpointFactory("greetings");
        adapter.endpointActivation(endpoint, spec("core.greetings.*", null, 1));
        awaitSubscribed("core.greetings.*");

        byte[] payload = "hello, NATS \u00e9".getBytes(StandardCharsets.UTF_8);
        client.publish("core.greetings.en", new Headers().put("Trace", "t-1"), payload);

        Await.until(WAIT, "one delivery", () -> endpoint.received().size() == 1);
        TestEndpointFactory.Received r = endpoint.received().get(0);
        assertEquals("core.greetings.en", r.subject());
        assertArrayEquals(payload, r.data());
        assertEquals("t-1", r.headers().getFirst("Trace"));
        assertTrue(r.thread().startsWith(TestWorkManager.THREAD_PREFIX), r.thread());
        // Endpoints are reused serially by a worker and released when it idles out.
        Await.until(WAIT, "every endpoint released once its worker idled", () -> endpoint.released() == endpoint.created());
    }

    @Test
    void anAtomicBatchsControlMessagesAreNotDelivered() throws Exception {
        TestEndpointFactory endpoint = new TestEndpointFactory("control");
        adapter.endpointActivation(endpoint, subjectOnly("core.batch.*"));
        awaitSubscribed("core.batch.*");
        // What a core subscription on a stream's subject sees of a transaction's batch: staged
        // messages (delivered), the end-of-batch marker and the adapter's abort (not).
        client.publish("core.batch.a", new Headers().put("Nats-Batch-Id", "b1").put("Nats-Batch-Sequence", "1"),
                "staged".getBytes(StandardCharsets.UTF_8));
        client.publish("core.batch.a", new Headers().put("Nats-Batch-Id", "b1").put("Nats-Batch-Sequence", "2")
                .put("Nats-Batch-Commit", "eob"), new byte[0]);
        client.publish("core.batch.a", new Headers().put("Nats-Batch-Id", "b2").put("Nats-Batch-Sequence", "3")
                .put(dev.natsjca.api.NatsHeaders.BATCH_ABORT, "rolled back"), new byte[0]);
        client.publish("core.batch.last", "last".getBytes(StandardCharsets.UTF_8));
        Await.until(WAIT, "the last", () -> endpoint.received().stream().anyMatch(r -> r.subject().equals("core.batch.last")));
        assertEquals(List.of("staged", "last"), endpoint.received().stream()
                .map(r -> new String(r.data(), StandardCharsets.UTF_8)).toList());
    }

    @Test
    void severalSubjectsDeliverFromEachAndNothingElse() throws Exception {
        TestEndpointFactory endpoint = new TestEndpointFactory("several");
        adapter.endpointActivation(endpoint, spec("core.multi.a, core.multi.b.*", null, 1));
        awaitSubscribed("core.multi.a");
        awaitSubscribed("core.multi.b.*");
        for (String subject : List.of("core.multi.a", "core.multi.c", "core.multi.b.x", "core.multi.b", "core.multi.a.x")) {
            client.publish(subject, subject.getBytes(StandardCharsets.UTF_8));
        }
        client.publish("core.multi.end", new byte[0]);
        client.flush(WAIT);
        Await.until(WAIT, () -> "both, got " + endpoint.received(), () -> endpoint.received().size() >= 2);
        // Published after the others, on a subject listed: when it is in, all before it would be too.
        client.publish("core.multi.b.last", new byte[0]);
        Await.until(WAIT, "the last", () -> endpoint.received().stream().anyMatch(r -> r.subject().equals("core.multi.b.last")));
        assertEquals(List.of("core.multi.a", "core.multi.b.x", "core.multi.b.last"),
                endpoint.received().stream().map(TestEndpointFactory.Received::subject).toList());
    }

    @Test
    void queueGroupSharesMessagesAndPlainSubscriptionsEachGetAll() throws Exception {
        TestEndpointFactory a = new TestEndpointFactory("a");
        TestEndpointFactory b = new TestEndpointFactory("b");
        TestEndpointFactory all = new TestEndpointFactory("all");
        adapter.endpointActivation(a, spec("core.work", "workers", 2));
        adapter.endpointActivation(b, spec("core.work", "workers", 2));
        adapter.endpointActivation(all, spec("core.work", null, 2));
        awaitSubscribed("core.work", 3);

        int n = 200;
        for (int i = 0; i < n; i++) {
            client.publish("core.work", Integer.toString(i).getBytes(StandardCharsets.US_ASCII));
        }
        Await.until(WAIT, () -> "every message once in the group: a=" + a.received().size() + " b="
                + b.received().size() + ", all=" + all.received().size(),
                () -> a.received().size() + b.received().size() == n && all.received().size() == n);

        Set<String> seen = new HashSet<>();
        a.received().forEach(r -> assertTrue(seen.add(new String(r.data(), StandardCharsets.US_ASCII))));
        b.received().forEach(r -> assertTrue(seen.add(new String(r.data(), StandardCharsets.US_ASCII)),
                "delivered to both queue members"));
        assertEquals(n, seen.size());
        assertFalse(a.received().isEmpty(), "member a got nothing: not subscribed in the group?");
        assertFalse(b.received().isEmpty(), "member b got nothing: not subscribed in the group?");
    }

    @Test
    void inFlightDeliveriesNeverExceedMaxConcurrency() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        TestEndpointFactory endpoint = new TestEndpointFactory("slow", m -> awaitQuietly(gate));
        adapter.endpointActivation(endpoint, spec("core.slow", null, 3));
        awaitSubscribed("core.slow");

        for (int i = 0; i < 20; i++) {
            client.publish("core.slow", new byte[] {(byte) i});
        }
        Await.until(WAIT, "three deliveries blocked in flight", () -> endpoint.inFlight() == 3);
        assertEquals(3, endpoint.maxInFlight());
        gate.countDown();
        Await.until(WAIT, "all 20 delivered", () -> endpoint.received().size() == 20);
        assertEquals(3, endpoint.maxInFlight());
    }

    @Test
    void aBeanThatFallsBehindMakesTheClientDropBeyondMaxPendingCountedAndWarned() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        TestEndpointFactory endpoint = new TestEndpointFactory("flooded", m -> awaitQuietly(gate));
        NatsActivationSpec spec = spec("core.flood", null, 1);
        spec.setMaxPending("5");
        List<LogRecord> warnings = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (r.getLevel() == java.util.logging.Level.WARNING) {
                    warnings.add(r);
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger log = Logger.getLogger(EndpointActivation.class.getName());
        log.addHandler(capture);
        try {
            adapter.endpointActivation(endpoint, spec);
            awaitSubscribed("core.flood");
            EndpointActivation activation = adapter.activation(endpoint, spec);
            int n = 50;
            for (int i = 0; i < n; i++) {
                client.publish("core.flood", new byte[] {(byte) i});
            }
            client.flush(WAIT);
            // Held: one delivery in flight, the hand-off queue, one message in the dispatcher's hand, 5 pending.
            int held = 1 + CoreSubscriptionActivation.coreHandOffCapacity(1) + 1 + 5;
            Await.until(WAIT, () -> "client dropped the overflow, dropped " + activation.droppedMessages(),
                    () -> activation.droppedMessages() >= n - held);
            Await.until(WAIT, "a warning naming the activation and maxPending", () -> warnings.stream()
                    .anyMatch(r -> format(r).contains("core.flood") && format(r).contains("maxPending")));
            gate.countDown();
            Await.until(WAIT, () -> "everything not dropped delivered: " + endpoint.received().size() + " + "
                    + activation.droppedMessages(), () -> endpoint.received().size() + activation.droppedMessages() == n);
            assertTrue(endpoint.received().size() <= held, "more held than maxPending allows: " + endpoint.received().size());
        } finally {
            log.removeHandler(capture);
        }
    }

    private static String format(LogRecord r) {
        return java.text.MessageFormat.format(r.getMessage(), r.getParameters() == null ? new Object[0] : r.getParameters());
    }

    @Test
    void defaultConcurrencyOfOneKeepsPublishOrder() throws Exception {
        TestEndpointFactory endpoint = new TestEndpointFactory("ordered");
        adapter.endpointActivation(endpoint, subjectOnly("core.ordered"));
        awaitSubscribed("core.ordered");
        for (int i = 0; i < 100; i++) {
            client.publish("core.ordered", Integer.toString(i).getBytes(StandardCharsets.US_ASCII));
        }
        Await.until(WAIT, "100 delivered", () -> endpoint.received().size() == 100);
        for (int i = 0; i < 100; i++) {
            assertEquals(Integer.toString(i), new String(endpoint.received().get(i).data(), StandardCharsets.US_ASCII));
        }
        assertEquals(1, endpoint.maxInFlight());
    }

    @Test
    void unavailableEndpointsAreRetriedNotDropped() throws Exception {
        TestEndpointFactory endpoint = new TestEndpointFactory("busy");
        endpoint.failNextCreates(5);
        adapter.endpointActivation(endpoint, spec("core.busy", null, 1));
        awaitSubscribed("core.busy");
        client.publish("core.busy", "x".getBytes(StandardCharsets.US_ASCII));
        Await.until(WAIT, "delivered after the pool had room again", () -> endpoint.received().size() == 1);
    }

    @Test
    void endpointExceptionsAreContainedAndLaterMessagesStillFlow() throws Exception {
        TestEndpointFactory endpoint = new TestEndpointFactory("failing", m -> {
            if (m.data().length == 0) {
                throw new IllegalStateException("boom");
            }
        });
        adapter.endpointActivation(endpoint, spec("core.failing", null, 1));
        awaitSubscribed("core.failing");
        client.publish("core.failing", new byte[0]);
        client.publish("core.failing", new byte[] {1});
        Await.until(WAIT, "both delivered", () -> endpoint.received().size() == 2);
        Await.until(WAIT, "every endpoint released, also after onMessage threw",
                () -> endpoint.created() >= 1 && endpoint.released() == endpoint.created());
    }

    @Test
    void deactivationUnsubscribesAndWaitsForInFlightDeliveries() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        AtomicBoolean finished = new AtomicBoolean();
        TestEndpointFactory endpoint = new TestEndpointFactory("leaving", m -> {
            awaitQuietly(gate);
            finished.set(true);
        });
        NatsActivationSpec spec = spec("core.leaving", null, 1);
        adapter.endpointActivation(endpoint, spec);
        awaitSubscribed("core.leaving");
        client.publish("core.leaving", new byte[] {1});
        Await.until(WAIT, "delivery in flight", () -> endpoint.inFlight() == 1);

        Thread deactivation = new Thread(() -> adapter.endpointDeactivation(endpoint, spec), "deactivation");
        deactivation.start();
        Await.until(WAIT, "deactivation waiting for the in-flight delivery",
                () -> deactivation.getState() == Thread.State.TIMED_WAITING && !finished.get());
        assertEquals(0, subscriptionCount("core.leaving"), "still subscribed while deactivating");
        gate.countDown();
        deactivation.join(WAIT.toMillis());
        assertFalse(deactivation.isAlive());
        assertTrue(finished.get(), "deactivation returned before the in-flight delivery finished");
        assertEquals(0, adapter.activationCount());
    }

    @Test
    void invalidSubjectFailsActivationNamingIt() {
        TestEndpointFactory endpoint = new TestEndpointFactory("bad");
        InvalidPropertyException e = assertThrows(InvalidPropertyException.class,
                () -> adapter.endpointActivation(endpoint, spec("orders..placed", null, 1)));
        assertTrue(e.getMessage().contains("'subject'") && e.getMessage().contains("'orders..placed'"), e.getMessage());
        assertEquals(0, adapter.activationCount());
    }

    @Test
    void activationWaitsForAServerThatIsNotUpYet() throws Exception {
        int port;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        NatsActivationSpec spec = spec("core.late", null, 1);
        spec.setServerUrls("nats://127.0.0.1:" + port);
        TestEndpointFactory endpoint = new TestEndpointFactory("late");
        adapter.endpointActivation(endpoint, spec);
        try (NatsServer late = NatsServer.start(port);
             Connection lateClient = Nats.connect(late.url())) {
            Await.until(WAIT, "subscription established once the server came up",
                    () -> late.monitor("/subsz?subs=1").contains("\"core.late\""));
            lateClient.publish("core.late", "x".getBytes(StandardCharsets.US_ASCII));
            Await.until(WAIT, "delivered", () -> endpoint.received().size() == 1);
            adapter.endpointDeactivation(endpoint, spec);
        }
    }

    private void awaitSubscribed(String subject) {
        awaitSubscribed(subject, 1);
    }

    private void awaitSubscribed(String subject, int count) {
        Await.until(WAIT, "subscriptions on " + subject, () -> subscriptionCount(subject) == count);
    }

    private static int subscriptionCount(String subject) {
        return NATS.server().subscriptionCount(subject);
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            if (!latch.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("gate never opened");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
