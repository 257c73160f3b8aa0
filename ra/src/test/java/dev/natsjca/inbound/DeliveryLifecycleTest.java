package dev.natsjca.inbound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.natsjca.inbound.core.CoreSubscriptionActivation;
import dev.natsjca.testing.Await;
import dev.natsjca.testing.NatsServerExtension;
import dev.natsjca.testing.Specs;
import dev.natsjca.testing.StartedAdapter;
import dev.natsjca.testing.TcpProxy;
import dev.natsjca.testing.TestEndpointFactory;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.api.StreamConfiguration;

/**
 * The delivery lifecycle around the work manager: a refused worker never stalls an activation,
 * deactivation gives back everything received but not delivered, and an adapter with many
 * activations stops them all within one bound.
 */
class DeliveryLifecycleTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @RegisterExtension
    static final NatsServerExtension NATS = NatsServerExtension.onFreePort();

    private Connection client;
    private JetStreamManagement jsm;
    private JetStream js;
    private final CountDownLatch release = new CountDownLatch(1);

    @BeforeEach
    void connect() throws Exception {
        client = Nats.connect(NATS.server().url());
        jsm = client.jetStreamManagement();
        js = client.jetStream();
    }

    @AfterEach
    void close() throws Exception {
        release.countDown();
        client.close();
    }

    private ConsumerInfo consumer(String stream, String durable) {
        try {
            return jsm.getConsumerInfo(stream, durable);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aCoreMessageWhoseWorkerTheWorkManagerRefusedIsDeliveredWhenItAccepts() throws Exception {
        try (StartedAdapter started = new StartedAdapter(NATS.server().url(), 4)) {
            TestEndpointFactory endpoint = new TestEndpointFactory("refused");
            NatsActivationSpec spec = Specs.of("refused.core", null, null);
            started.adapter().endpointActivation(endpoint, spec);
            Await.until(WAIT, "subscribed", () -> NATS.server().subscriptionCount("refused.core") == 1);
            started.workManager().rejectNext(3);
            client.publish("refused.core", "only".getBytes(StandardCharsets.UTF_8)); // nothing comes after it
            Await.until(WAIT, () -> "delivered after " + started.workManager().rejected() + " refusals",
                    () -> endpoint.received().size() == 1);
            assertEquals(3, started.workManager().rejected());
        }
    }

    @Test
    void aFullHandOffWhileTheWorkManagerRefusesWorkersStallsNothing() throws Exception {
        try (StartedAdapter started = new StartedAdapter(NATS.server().url(), 4)) {
            TestEndpointFactory endpoint = new TestEndpointFactory("refused-full");
            started.adapter().endpointActivation(endpoint, Specs.of("refused.full", null, null));
            Await.until(WAIT, "subscribed", () -> NATS.server().subscriptionCount("refused.full") == 1);
            // Each message asks for a worker, so refusals outlast the hand-off's capacity: then only
            // the retries on the timer can free the dispatcher waiting for room.
            int refusals = CoreSubscriptionActivation.coreHandOffCapacity(1) + 5;
            started.workManager().rejectNext(refusals);
            for (int i = 0; i < 500; i++) {
                client.publish("refused.full", Integer.toString(i).getBytes(StandardCharsets.UTF_8));
            }
            Await.until(WAIT, () -> endpoint.received().size() + " of 500 delivered after "
                    + started.workManager().rejected() + " refusals", () -> endpoint.received().size() == 500);
            assertEquals(refusals, started.workManager().rejected());
        }
    }

    @Test
    void aJetStreamMessageWhoseWorkerTheWorkManagerRefusedIsDeliveredWhenItAccepts() throws Exception {
        jsm.addStream(StreamConfiguration.builder().name("REFUSED").subjects("refused.js").build());
        try (StartedAdapter started = new StartedAdapter(NATS.server().url(), 4)) {
            TestEndpointFactory endpoint = new TestEndpointFactory("refused-js");
            started.adapter().endpointActivation(endpoint, Specs.of("refused.js", "REFUSED", "refused-worker"));
            started.workManager().rejectNext(5);
            js.publish("refused.js", "only".getBytes(StandardCharsets.UTF_8));
            Await.until(WAIT, "delivered and acked", () -> endpoint.received().size() == 1
                    && consumer("REFUSED", "refused-worker").getAckFloor().getStreamSequence() == 1);
        }
    }

    @Test
    void deactivationGivesBackEverythingReceivedButNotDeliveredIncludingWhatJnatsStillHolds() throws Exception {
        jsm.addStream(StreamConfiguration.builder().name("HELD").subjects("held.>").build());
        for (int i = 0; i < 200; i++) {
            js.publish("held.x", Integer.toString(i).getBytes(StandardCharsets.UTF_8));
        }
        try (StartedAdapter started = new StartedAdapter(NATS.server().url(), 4)) {
            CountDownLatch blocked = new CountDownLatch(1);
            TestEndpointFactory endpoint = new TestEndpointFactory("held", m -> {
                blocked.countDown();
                await(release);
            });
            NatsActivationSpec spec = Specs.of("held.x", "HELD", "held-worker");
            spec.setBatchSize("50");
            spec.setAckWait("120000"); // a message not given back would wait two minutes
            started.adapter().endpointActivation(endpoint, spec);
            assertTrue(blocked.await(30, TimeUnit.SECONDS));
            // Held now: the first batch, one of it in delivery, the rest in the hand-off (the room
            // left, one message, is less than half a batch: no pull for it while messages are held).
            Await.until(WAIT, () -> "a batch held behind the delivery: " + consumer("HELD", "held-worker"),
                    () -> consumer("HELD", "held-worker").getNumAckPending() == 50);

            EndpointActivation activation = started.adapter().activation(endpoint, spec);
            Thread releaser = new Thread(() -> {
                // The bean returns only once deactivation has begun: what it leaves undelivered is given back.
                Await.until(WAIT, "deactivation under way", () -> activation.state() == EndpointActivation.State.STOPPED);
                release.countDown();
            });
            releaser.start();
            started.adapter().endpointDeactivation(endpoint, spec);
            releaser.join(30_000);
            assertEquals(1, consumer("HELD", "held-worker").getAckFloor().getStreamSequence(),
                    "only the delivery in flight was acked");

            // Given back, they come again within seconds; held back, they would wait for the ack wait.
            java.util.Set<String> later = java.util.concurrent.ConcurrentHashMap.newKeySet();
            TestEndpointFactory next = new TestEndpointFactory("next",
                    m -> later.add(new String(m.data(), StandardCharsets.UTF_8)));
            started.adapter().endpointActivation(next, Specs.of("held.x", "HELD", "held-worker"));
            Await.until(Duration.ofSeconds(20), () -> "the other 199 long before ackWait, got " + later.size(),
                    () -> later.size() == 199);
            Await.until(WAIT, "all acked", () -> consumer("HELD", "held-worker").getAckFloor().getStreamSequence() == 200);
        }
    }

    @Test
    void manyActivationsStopWithinOneBoundNotOneEach() throws Exception {
        jsm.addStream(StreamConfiguration.builder().name("STUCK").subjects("stuck.>").build());
        Duration bound = Duration.ofSeconds(2);
        int n = 5;
        try (StartedAdapter started = new StartedAdapter(NATS.server().url(), 2 * n,
                a -> a.setDeactivationTimeout(Long.toString(bound.toMillis())))) {
            CountDownLatch allStuck = new CountDownLatch(n);
            List<TestEndpointFactory> endpoints = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                TestEndpointFactory endpoint = new TestEndpointFactory("stuck-" + i, m -> {
                    allStuck.countDown();
                    await(release); // a bean that does not return before the bound
                });
                endpoints.add(endpoint);
                started.adapter().endpointActivation(endpoint, Specs.of("stuck." + i, "STUCK", "stuck-" + i));
                js.publish("stuck." + i, new byte[] {1});
            }
            assertTrue(allStuck.await(30, TimeUnit.SECONDS), "every activation in a delivery");
            // One after the other they would take n bounds; together one bound and the drains.
            assertStopsWithin(started, bound.multipliedBy(2), n);
        }
    }

    @Test
    void activationsOnHalfOpenConnectionsStopWithinOneBoundNotOneEach() throws Exception {
        jsm.addStream(StreamConfiguration.builder().name("SILENT").subjects("silent.>").build());
        Duration bound = Duration.ofSeconds(3);
        int n = 6;
        try (TcpProxy proxy = new TcpProxy(NATS.server().port());
             StartedAdapter started = new StartedAdapter(NATS.server().url(), 4 * n,
                     a -> a.setDeactivationTimeout(Long.toString(bound.toMillis())))) {
            List<TestEndpointFactory> endpoints = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                TestEndpointFactory endpoint = new TestEndpointFactory("silent-" + i);
                endpoints.add(endpoint);
                // Half of them JetStream, half core: both kinds wait for the server while they stop.
                NatsActivationSpec spec = i % 2 == 0
                        ? Specs.of("silent." + i, "SILENT", "silent-" + i)
                        : Specs.of("silent.core." + i, null, null);
                spec.setServerUrls(proxy.url());
                started.adapter().endpointActivation(endpoint, spec);
            }
            for (int k = 0; k < n; k++) {
                int i = k;
                String subject = i % 2 == 0 ? "silent." + i : "silent.core." + i;
                TestEndpointFactory endpoint = endpoints.get(i);
                if (i % 2 == 0) {
                    js.publish(subject, new byte[] {1}); // stored: delivered once the consumer is up
                }
                Await.until(WAIT, () -> "a message through " + subject, () -> {
                    if (i % 2 != 0) {
                        client.publish(subject, new byte[] {1}); // lost until the subscription is there
                    }
                    return !endpoint.received().isEmpty();
                });
            }
            // Every connection stays open and nothing passes: each unsubscribe and drain waits for
            // an answer that never comes, until its share of the one bound is used up.
            proxy.blackhole();
            // One after the other, their waits would add up to several bounds.
            assertStopsWithin(started, bound.plusMillis(2500), n);
        }
    }

    @Test
    void aTransactedDeliveryWhoseOutcomeNeverReachedTheAdapterIsGivenUpAsFailedNotAcked() throws Exception {
        jsm.addStream(StreamConfiguration.builder().name("LOST").subjects("lost.x").build());
        try (StartedAdapter started = new StartedAdapter(NATS.server().url(), 4)) {
            java.util.List<Long> deliveries = new java.util.concurrent.CopyOnWriteArrayList<>();
            TestEndpointFactory endpoint = new TestEndpointFactory("lost", m -> deliveries.add(m.deliveryCount()));
            endpoint.transacted(m -> false);
            endpoint.loseOutcomeWhen(m -> m.deliveryCount() == 1);
            started.adapter().endpointActivation(endpoint, Specs.of("lost.x", "LOST", "lost-worker"));
            js.publish("lost.x", new byte[] {1});
            Await.until(WAIT, () -> "delivered again after the lost outcome, deliveries " + deliveries,
                    () -> deliveries.contains(2L));
            Await.until(WAIT, "acked at the second delivery's commit",
                    () -> consumer("LOST", "lost-worker").getAckFloor().getStreamSequence() == 1);
            assertEquals(java.util.List.of(1L, 2L), deliveries);
        }
    }

    @Test
    void anEndpointWhoseReleaseFailsStillHasItsDeliverySettled() throws Exception {
        jsm.addStream(StreamConfiguration.builder().name("RELEASE").subjects("release.x").build());
        try (StartedAdapter started = new StartedAdapter(NATS.server().url(), 4)) {
            List<Long> deliveries = new java.util.concurrent.CopyOnWriteArrayList<>();
            TestEndpointFactory endpoint = new TestEndpointFactory("release", m -> deliveries.add(m.deliveryCount()));
            endpoint.transacted(m -> false);
            endpoint.loseOutcomeWhen(m -> m.deliveryCount() == 1); // settled only after the release
            endpoint.failNextReleases(1);
            NatsActivationSpec spec = Specs.of("release.x", "RELEASE", "release-worker");
            spec.setAckWait("120000"); // an unsettled message would wait two minutes
            started.adapter().endpointActivation(endpoint, spec);
            js.publish("release.x", new byte[] {1});
            Await.until(WAIT, () -> "given back and delivered again, deliveries " + deliveries,
                    () -> deliveries.contains(2L));
            Await.until(WAIT, "acked at the second delivery's commit",
                    () -> consumer("RELEASE", "release-worker").getAckFloor().getStreamSequence() == 1);
        }
    }

    @Test
    void aBeanThatInterruptsItsThreadStallsNothing() throws Exception {
        jsm.addStream(StreamConfiguration.builder().name("INTERRUPT").subjects("interrupt.x").build());
        try (StartedAdapter started = new StartedAdapter(NATS.server().url(), 4)) {
            TestEndpointFactory endpoint = new TestEndpointFactory("interrupt", m -> {
                if (m.data()[0] % 10 == 5) {
                    Thread.currentThread().interrupt(); // as a bean that restores an interrupt it caught
                }
            });
            NatsActivationSpec spec = Specs.of("interrupt.x", "INTERRUPT", "interrupt-worker");
            spec.setAckWait("120000");
            started.adapter().endpointActivation(endpoint, spec);
            for (int i = 0; i < 100; i++) {
                js.publish("interrupt.x", new byte[] {(byte) i});
            }
            Await.until(WAIT, () -> endpoint.received().size() + " of 100 delivered",
                    () -> endpoint.received().size() == 100);
            Await.until(WAIT, "all acked", () -> consumer("INTERRUPT", "interrupt-worker").getNumAckPending() == 0);
        }
    }

    @Test
    void anEndpointThatCannotBeCreatedForAWhileDelaysTheMessageButNeverLosesIt() throws Exception {
        jsm.addStream(StreamConfiguration.builder().name("BROKEN").subjects("broken.x").build());
        try (StartedAdapter started = new StartedAdapter(NATS.server().url(), 4)) {
            TestEndpointFactory endpoint = new TestEndpointFactory("broken");
            endpoint.transacted(m -> false); // one endpoint per delivery: every delivery creates one
            endpoint.breakNextCreates(3);
            NatsActivationSpec spec = Specs.of("broken.x", "BROKEN", "broken-worker");
            spec.setAckWait("120000"); // a message a dead worker dropped would wait two minutes
            started.adapter().endpointActivation(endpoint, spec);
            js.publish("broken.x", new byte[] {1});
            Await.until(Duration.ofSeconds(20), "delivered once the endpoint can be created",
                    () -> endpoint.received().size() == 1);
        }
    }

    @Test
    void coreMessagesReceivedButNotDeliveredAtDeactivationAreCountedInTheLog() throws Exception {
        java.util.List<String> warnings = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Handler capture = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord r) {
                warnings.add(new java.util.logging.SimpleFormatter().formatMessage(r));
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        java.util.logging.Logger log = java.util.logging.Logger.getLogger(EndpointActivation.class.getName());
        log.addHandler(capture);
        try (StartedAdapter started = new StartedAdapter(NATS.server().url(), 4)) {
            CountDownLatch inDelivery = new CountDownLatch(1);
            TestEndpointFactory endpoint = new TestEndpointFactory("core-slow", m -> {
                inDelivery.countDown();
                await(release);
            });
            NatsActivationSpec spec = Specs.of("core.slow", null, null);
            started.adapter().endpointActivation(endpoint, spec);
            Await.until(WAIT, "subscribed", () -> NATS.server().subscriptionCount("core.slow") == 1);
            for (int i = 0; i < 20; i++) {
                client.publish("core.slow", new byte[] {(byte) i});
            }
            client.flush(WAIT);
            assertTrue(inDelivery.await(30, TimeUnit.SECONDS));
            EndpointActivation activation = started.adapter().activation(endpoint, spec);
            Thread releaser = new Thread(() -> {
                Await.until(WAIT, "deactivation under way", () -> activation.state() == EndpointActivation.State.STOPPED);
                release.countDown();
            });
            releaser.start();
            started.adapter().endpointDeactivation(endpoint, spec);
            releaser.join(30_000);
            assertTrue(warnings.stream().anyMatch(w -> w.contains("core.slow") && w.contains("19 messages received but not "
                    + "yet delivered")), warnings.toString());
        } finally {
            log.removeHandler(capture);
        }
    }

    /** Stops the adapter: within {@code limit}, and with no activation left. */
    private static void assertStopsWithin(StartedAdapter started, Duration limit, int n) {
        long t0 = System.nanoTime();
        started.adapter().stop();
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        assertTrue(took.compareTo(limit) < 0, "stopping " + n + " activations took " + took);
        assertEquals(0, started.adapter().activationCount());
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
