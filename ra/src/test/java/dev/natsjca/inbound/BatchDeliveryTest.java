package dev.natsjca.inbound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.natsjca.testing.Await;
import dev.natsjca.testing.NatsServerExtension;
import dev.natsjca.testing.Specs;
import dev.natsjca.testing.StartedAdapter;
import dev.natsjca.testing.TestEndpointFactory;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.api.StreamConfiguration;
import jakarta.resource.spi.InvalidPropertyException;

/**
 * Batch listeners in the in-test harness: one call (and one transaction) per batch of what waits;
 * the batch acked at commit, nak'ed at rollback; a failing batch retried one message at a time,
 * so the poison message is dead-lettered once by the normal rules while every other is committed
 * once; core batches of what waits, waiting at most {@code maxBatchWait}; the properties checked.
 */
class BatchDeliveryTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @RegisterExtension
    static final NatsServerExtension NATS = NatsServerExtension.onFreePort();

    private StartedAdapter started;
    private Connection client;
    private JetStreamManagement jsm;
    private JetStream js;

    @BeforeEach
    void start() throws Exception {
        started = new StartedAdapter(NATS.server().url(), 8);
        client = Nats.connect(NATS.server().url());
        jsm = client.jetStreamManagement();
        js = client.jetStream();
    }

    @AfterEach
    void stop() throws Exception {
        started.close();
        client.close();
    }

    private long ackFloor(String stream, String durable) {
        try {
            return jsm.getConsumerInfo(stream, durable).getAckFloor().getStreamSequence();
        } catch (Exception e) {
            return -1;
        }
    }

    private static Map<String, Long> counts(List<String> bodies) {
        return bodies.stream().collect(Collectors.groupingBy(b -> b, Collectors.counting()));
    }

    @Test
    void aTransactedJetStreamBatchIsOneDeliveryAckedAtCommit() throws Exception {
        jsm.addStream(StreamConfiguration.builder().name("BAT").subjects("bat.>").build());
        for (int i = 0; i < 60; i++) {
            js.publish("bat.x", ("m" + i).getBytes(StandardCharsets.UTF_8));
        }
        TestEndpointFactory endpoint = new TestEndpointFactory("bat").batching();
        endpoint.transacted(m -> false);
        NatsActivationSpec spec = Specs.of("bat.x", "BAT", "bat-worker");
        spec.setMaxBatchSize("20");
        spec.setMaxBatchWait("200");
        started.adapter().endpointActivation(endpoint, spec);
        Await.until(WAIT, () -> "all 60 acked, ack floor " + ackFloor("BAT", "bat-worker"),
                () -> ackFloor("BAT", "bat-worker") == 60);
        Map<String, Long> once = counts(endpoint.committed());
        assertEquals(60, once.size(), "every message committed: " + once);
        assertTrue(once.values().stream().allMatch(n -> n == 1), "each once: " + once);
        assertTrue(endpoint.batchSizes().stream().allMatch(n -> n >= 1 && n <= 20), endpoint.batchSizes().toString());
        assertTrue(endpoint.batchSizes().size() < 60 && endpoint.batchSizes().stream().anyMatch(n -> n > 1),
                "messages that waited came in batches: " + endpoint.batchSizes());
        assertEquals(endpoint.batchSizes().size(), endpoint.created(), "one endpoint (one transaction) per batch");
    }

    @Test
    void aRolledBackBatchIsNakedAndItsMessagesComeAgainEachCommittedOnce() throws Exception {
        jsm.addStream(StreamConfiguration.builder().name("BRB").subjects("brb.>").build());
        for (int i = 0; i < 10; i++) {
            js.publish("brb.x", ("m" + i).getBytes(StandardCharsets.UTF_8));
        }
        Map<String, Integer> seen = new java.util.concurrent.ConcurrentHashMap<>();
        TestEndpointFactory endpoint = new TestEndpointFactory("brb",
                m -> seen.merge(new String(m.data(), StandardCharsets.UTF_8), 1, Integer::sum)).batching();
        // The first delivery of m3 rolls its whole batch back; alone, the next time, it commits.
        java.util.concurrent.atomic.AtomicBoolean rolledBack = new java.util.concurrent.atomic.AtomicBoolean();
        endpoint.transacted(m -> new String(m.data(), StandardCharsets.UTF_8).equals("m3")
                && rolledBack.compareAndSet(false, true));
        NatsActivationSpec spec = Specs.of("brb.x", "BRB", "brb-worker");
        spec.setMaxBatchSize("10");
        spec.setMaxBatchWait("300");
        spec.setBackoff("100");
        started.adapter().endpointActivation(endpoint, spec);
        Await.until(WAIT, () -> "all 10 acked, ack floor " + ackFloor("BRB", "brb-worker"),
                () -> ackFloor("BRB", "brb-worker") == 10);
        Map<String, Long> once = counts(endpoint.committed());
        assertEquals(10, once.size(), once.toString());
        assertTrue(once.values().stream().allMatch(n -> n == 1), "each committed once: " + once);
        assertTrue(rolledBack.get() && seen.get("m3") >= 2, "m3 was rolled back and came again: " + seen);
        assertTrue(endpoint.batchSizes().get(0) > 1, "the first delivery was a batch: " + endpoint.batchSizes());
    }

    @Test
    void aPoisonMessageInABatchIsDeadLetteredOnceWhileTheOthersAreCommittedOnce() throws Exception {
        jsm.addStream(StreamConfiguration.builder().name("BPO").subjects("bpo.>").build());
        jsm.addStream(StreamConfiguration.builder().name("BPODLQ").subjects("bpodlq.>").build());
        for (int i = 0; i < 30; i++) {
            js.publish("bpo.x", (i == 7 ? "poison" : "m" + i).getBytes(StandardCharsets.UTF_8));
        }
        Map<String, Integer> attempts = new java.util.concurrent.ConcurrentHashMap<>();
        TestEndpointFactory endpoint = new TestEndpointFactory("bpo", m -> {
            String b = new String(m.data(), StandardCharsets.UTF_8);
            attempts.merge(b, 1, Integer::sum);
            if (b.equals("poison")) {
                throw new IllegalArgumentException("cannot process poison");
            }
        }).batching();
        endpoint.transacted(m -> false);
        NatsActivationSpec spec = Specs.of("bpo.x", "BPO", "bpo-worker");
        spec.setMaxBatchSize("30");
        spec.setMaxBatchWait("300");
        spec.setMaxDeliver("3");
        spec.setBackoff("100");
        spec.setDeadLetterSubject("bpodlq.x");
        started.adapter().endpointActivation(endpoint, spec);
        Await.until(WAIT, "one dead letter", () -> {
            try {
                return jsm.getStreamInfo("BPODLQ").getStreamState().getMsgCount() == 1;
            } catch (Exception e) {
                return false;
            }
        });
        Await.until(WAIT, () -> "everything settled, ack floor " + ackFloor("BPO", "bpo-worker"),
                () -> ackFloor("BPO", "bpo-worker") == 30);
        Map<String, Long> once = counts(endpoint.committed());
        assertEquals(29, once.size(), "every other message committed: " + once);
        assertTrue(once.values().stream().allMatch(n -> n == 1), "each once: " + once);
        assertTrue(!once.containsKey("poison"), once.toString());
        assertEquals("poison", new String(jsm.getMessage("BPODLQ", 1).getData(), StandardCharsets.UTF_8));
        assertEquals(1, jsm.getStreamInfo("BPODLQ").getStreamState().getMsgCount(), "dead-lettered once");
    }

    @Test
    void aDurableWhoseMaxBatchIsBelowTheBatchIsRaisedAndDelivers() throws Exception {
        jsm.addStream(StreamConfiguration.builder().name("BMB").subjects("bmb.>").build());
        jsm.addOrUpdateConsumer("BMB", io.nats.client.api.ConsumerConfiguration.builder().durable("bmb-worker")
                .filterSubject("bmb.x").ackPolicy(io.nats.client.api.AckPolicy.Explicit).maxBatch(50).build());
        TestEndpointFactory endpoint = new TestEndpointFactory("bmb").batching();
        NatsActivationSpec spec = Specs.of("bmb.x", "BMB", "bmb-worker");
        spec.setMaxBatchSize("100"); // an operator's max_batch of 50 would refuse every pull of 100
        started.adapter().endpointActivation(endpoint, spec);
        for (int i = 0; i < 10; i++) {
            js.publish("bmb.x", ("m" + i).getBytes(StandardCharsets.UTF_8));
        }
        Await.until(WAIT, () -> "all 10 acked, ack floor " + ackFloor("BMB", "bmb-worker"),
                () -> ackFloor("BMB", "bmb-worker") == 10);
        assertEquals(100, jsm.getConsumerInfo("BMB", "bmb-worker").getConsumerConfiguration().getMaxBatch());
    }

    @Test
    void aMessageTheBeanTerminatedInABatchThatFailsIsNotDeliveredAgain() throws Exception {
        jsm.addStream(StreamConfiguration.builder().name("BTM").subjects("btm.>").build());
        for (int i = 0; i < 5; i++) {
            js.publish("btm.x", ("m" + i).getBytes(StandardCharsets.UTF_8));
        }
        Map<String, Integer> seen = new java.util.concurrent.ConcurrentHashMap<>();
        TestEndpointFactory endpoint = new TestEndpointFactory("btm", m -> {
            String b = new String(m.data(), StandardCharsets.UTF_8);
            if (seen.merge(b, 1, Integer::sum) == 1 && b.equals("m1")) {
                m.term();
            }
            if (b.equals("m3") && seen.get("m3") == 1) {
                throw new IllegalStateException("the batch fails once");
            }
        }).batching();
        endpoint.transacted(m -> false);
        NatsActivationSpec spec = Specs.of("btm.x", "BTM", "btm-worker");
        spec.setMaxBatchSize("5");
        spec.setMaxBatchWait("300");
        started.adapter().endpointActivation(endpoint, spec);
        Await.until(WAIT, () -> "all settled, ack floor " + ackFloor("BTM", "btm-worker"),
                () -> ackFloor("BTM", "btm-worker") == 5);
        assertEquals(5, (int) endpoint.batchSizes().get(0), "one batch first: " + endpoint.batchSizes());
        assertEquals(1, seen.get("m1"), "the terminated message was not delivered again: " + seen);
        assertEquals(2, seen.get("m0"), "the others again, alone: " + seen);
    }

    @Test
    void anExceptionThatKeepsTheTransactionAcksNothingOfTheBatchAndEachComesAgainAlone() throws Exception {
        jsm.addStream(StreamConfiguration.builder().name("BKT").subjects("bkt.>").build());
        for (int i = 0; i < 5; i++) {
            js.publish("bkt.x", ("m" + i).getBytes(StandardCharsets.UTF_8));
        }
        Map<String, Integer> seen = new java.util.concurrent.ConcurrentHashMap<>();
        TestEndpointFactory endpoint = new TestEndpointFactory("bkt", m -> {
            String b = new String(m.data(), StandardCharsets.UTF_8);
            if (seen.merge(b, 1, Integer::sum) == 1 && b.equals("m2")) {
                throw new TestEndpointFactory.KeepsTransaction(409, "kept"); // the container commits
            }
        }).batching();
        endpoint.transacted(m -> false);
        endpoint.commitDespite(TestEndpointFactory.KeepsTransaction.class);
        NatsActivationSpec spec = Specs.of("bkt.x", "BKT", "bkt-worker");
        spec.setMaxBatchSize("5");
        spec.setMaxBatchWait("300");
        started.adapter().endpointActivation(endpoint, spec);
        Await.until(WAIT, () -> "all acked, ack floor " + ackFloor("BKT", "bkt-worker"),
                () -> ackFloor("BKT", "bkt-worker") == 5);
        assertEquals(5, (int) endpoint.batchSizes().get(0), endpoint.batchSizes().toString());
        assertEquals(Map.of("m0", 2, "m1", 2, "m2", 2, "m3", 1, "m4", 1), seen,
                "m3 and m4 never processed by the call that threw: delivered alone, not acked unprocessed");
    }

    @Test
    void aBatchStillFillingWhenTheActivationStopsIsGivenBackAtOnce() throws Exception {
        jsm.addStream(StreamConfiguration.builder().name("BST").subjects("bst.>").build());
        started.close();
        started = new StartedAdapter(NATS.server().url(), 8, a -> a.setDeactivationTimeout("2000")); // < the wait
        TestEndpointFactory first = new TestEndpointFactory("filling").batching();
        NatsActivationSpec spec = Specs.of("bst.x", "BST", "bst-worker");
        spec.setMaxBatchSize("10");
        spec.setMaxBatchWait("PT10S"); // the batch would wait 10 s for nine more
        spec.setAckWait("120000"); // a message not given back would wait two minutes
        started.adapter().endpointActivation(first, spec);
        Await.until(WAIT, "the consumer", () -> ackFloor("BST", "bst-worker") == 0);
        js.publish("bst.x", "held".getBytes(StandardCharsets.UTF_8));
        Await.until(WAIT, "held by the filling batch (taken from the hand-off by a worker)", () -> {
            try {
                return jsm.getConsumerInfo("BST", "bst-worker").getNumAckPending() == 1
                        && started.adapter().monitoring().snapshot().activations().get(0).handOffDepth() == 0
                        && Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().startsWith(
                                dev.natsjca.testing.TestWorkManager.THREAD_PREFIX)
                                && java.util.Arrays.stream(t.getStackTrace()).anyMatch(
                                        f -> f.getMethodName().equals("deliverBatch")));
            } catch (Exception e) {
                return false;
            }
        });
        started.adapter().endpointDeactivation(first, spec);
        assertTrue(first.batchSizes().isEmpty(), "nothing delivered while it filled: " + first.batchSizes());
        TestEndpointFactory next = new TestEndpointFactory("next").batching();
        NatsActivationSpec again = Specs.of("bst.x", "BST", "bst-worker");
        again.setMaxBatchWait("0");
        started.adapter().endpointActivation(next, again);
        Await.until(Duration.ofSeconds(20), "given back, it comes again long before ackWait",
                () -> next.batchSizes().size() == 1);
    }

    @Test
    void aCoreBatchTakesWhatWaitsAndALoneMessageStillComes() throws Exception {
        Map<String, Integer> seen = new java.util.concurrent.ConcurrentHashMap<>();
        TestEndpointFactory endpoint = new TestEndpointFactory("core",
                m -> seen.merge(new String(m.data(), StandardCharsets.UTF_8), 1, Integer::sum)).batching();
        NatsActivationSpec spec = Specs.of("cbat.x", null, null);
        spec.setMaxBatchSize("50");
        spec.setMaxBatchWait("50");
        started.adapter().endpointActivation(endpoint, spec);
        Await.until(WAIT, "subscribed", () -> NATS.server().subscriptionCount("cbat.x") == 1);
        client.publish("cbat.x", "alone".getBytes(StandardCharsets.UTF_8));
        Await.until(WAIT, "a lone message delivered after the wait", () -> seen.containsKey("alone"));
        assertEquals(List.of(1), endpoint.batchSizes());
        for (int i = 0; i < 200; i++) {
            client.publish("cbat.x", ("c" + i).getBytes(StandardCharsets.UTF_8));
        }
        client.flush(WAIT);
        Await.until(WAIT, () -> "all 201, got " + seen.size(), () -> seen.size() == 201);
        assertTrue(seen.values().stream().allMatch(n -> n == 1), "each once");
        assertTrue(endpoint.batchSizes().stream().allMatch(n -> n <= 50), endpoint.batchSizes().toString());
        assertTrue(endpoint.batchSizes().size() < 201, "in batches: " + endpoint.batchSizes());
    }

    @Test
    void batchPropertiesAreCheckedNamingPropertyAndValue() throws Exception {
        for (String bad : new String[] {"0", "1001", "many"}) {
            NatsActivationSpec s = Specs.of("b.x", null, null);
            s.setMaxBatchSize(bad);
            InvalidPropertyException e = assertThrows(InvalidPropertyException.class, s::validate);
            assertTrue(e.getMessage().contains("'maxBatchSize': '" + bad + "'"), e.getMessage());
        }
        for (String bad : new String[] {"PT11S", "-5", "soon"}) {
            NatsActivationSpec s = Specs.of("b.x", null, null);
            s.setMaxBatchWait(bad);
            InvalidPropertyException e = assertThrows(InvalidPropertyException.class, s::validate);
            assertTrue(e.getMessage().contains("'maxBatchWait': '" + bad + "'"), e.getMessage());
        }
        NatsActivationSpec tooBig = Specs.of("b.x", "S", "d");
        tooBig.setMaxAckPending("10");
        tooBig.setMaxBatchSize("11");
        InvalidPropertyException e = assertThrows(InvalidPropertyException.class, tooBig::validate);
        assertTrue(e.getMessage().contains("'maxBatchSize': '11'") && e.getMessage().contains("maxAckPending"),
                e.getMessage());
        NatsActivationSpec service = Specs.of("b.x", null, null);
        service.setServiceName("svc");
        service.setServiceVersion("1.0.0");
        service.setMaxBatchSize("5");
        e = assertThrows(InvalidPropertyException.class, service::validate);
        assertTrue(e.getMessage().contains("'maxBatchSize'"), e.getMessage());
        NatsActivationSpec single = Specs.of("b.y", null, null);
        single.setMaxBatchSize("5");
        e = assertThrows(InvalidPropertyException.class,
                () -> started.adapter().endpointActivation(new TestEndpointFactory("single"), single));
        assertTrue(e.getMessage().contains("'maxBatchSize'") && e.getMessage().contains("NatsBatchListener"),
                e.getMessage());
    }

    @Test
    void aBatchListenerWithoutPropertiesGetsTheDefaults() throws Exception {
        TestEndpointFactory endpoint = new TestEndpointFactory("defaults").batching();
        NatsActivationSpec spec = Specs.of("bdef.x", null, null);
        started.adapter().endpointActivation(endpoint, spec);
        assertEquals(BatchSettings.DEFAULT, started.adapter().activation(endpoint, spec).resolved().batch());
        Await.until(WAIT, "subscribed", () -> NATS.server().subscriptionCount("bdef.x") == 1);
        client.publish("bdef.x", new byte[] {1});
        Await.until(WAIT, "delivered", () -> endpoint.batchSizes().size() == 1);
    }
}
