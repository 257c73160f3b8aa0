package dev.natsjca.inbound.jetstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.natsjca.api.NatsHeaders;
import dev.natsjca.inbound.NatsActivationSpec;
import dev.natsjca.testing.Await;
import dev.natsjca.testing.NatsServerExtension;
import dev.natsjca.testing.Specs;
import dev.natsjca.testing.StartedAdapter;
import dev.natsjca.testing.TestEndpointFactory;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.PublishOptions;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.api.MessageInfo;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.impl.Headers;

/**
 * Dead-lettering never strands a message: whatever the failure says, whatever directive headers
 * the message carries, whether or not the dead-letter stream is there right now, and however many
 * deliveries were not failures. The adapter, not the server's {@code max_deliver}, ends retries.
 */
class DeadLetteringTest {

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

    private void stream(StreamConfiguration.Builder b) throws Exception {
        jsm.addStream(b.build());
    }

    private static NatsActivationSpec spec(String subject, String stream, String durable, String dlq) {
        NatsActivationSpec s = Specs.of(subject, stream, durable);
        s.setDeadLetterSubject(dlq);
        s.setMaxDeliver("2");
        return s;
    }

    private long count(String stream) {
        try {
            return jsm.getStreamInfo(stream).getStreamState().getMsgCount();
        } catch (Exception e) {
            return -1;
        }
    }

    private ConsumerInfo consumer(String stream, String durable) {
        try {
            return jsm.getConsumerInfo(stream, durable);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Nothing left to deliver and nothing unacknowledged: no message stranded. */
    private void awaitSettled(String stream, String durable) {
        Await.until(WAIT, () -> "consumer settled: " + consumer(stream, durable), () -> {
            ConsumerInfo ci = consumer(stream, durable);
            return ci.getNumPending() == 0 && ci.getNumAckPending() == 0;
        });
    }

    private static TestEndpointFactory failing(String text, AtomicInteger attempts) {
        return new TestEndpointFactory("failing", m -> {
            attempts.incrementAndGet();
            throw new IllegalStateException(text);
        });
    }

    @Test
    void aReasonWithNonAsciiTextIsMadeAsciiSafeAndTheMessageIsDeadLetteredOnce() throws Exception {
        stream(StreamConfiguration.builder().name("UMLAUT").subjects("umlaut.in"));
        stream(StreamConfiguration.builder().name("UMLAUTDLQ").subjects("umlaut.dlq"));
        AtomicInteger attempts = new AtomicInteger();
        started.adapter().endpointActivation(failing("Kunde Müller: order refused\r\nsecond line", attempts),
                spec("umlaut.in", "UMLAUT", "umlaut-worker", "umlaut.dlq"));
        js.publish("umlaut.in", "order".getBytes(StandardCharsets.UTF_8));

        Await.until(WAIT, "the dead letter", () -> count("UMLAUTDLQ") == 1);
        awaitSettled("UMLAUT", "umlaut-worker");
        MessageInfo dead = jsm.getMessage("UMLAUTDLQ", 1);
        String reason = dead.getHeaders().getFirst(NatsHeaders.DEAD_LETTER_REASON);
        assertTrue(reason.contains("Kunde M\\u00fcller: order refused second line"), reason);
        assertEquals("order", new String(dead.getData(), StandardCharsets.UTF_8));
        assertEquals(2, attempts.get(), "maxDeliver attempts, then dead-lettered");
        assertEquals(1, count("UMLAUTDLQ"), "dead-lettered more than once");
    }

    @Test
    void anExpectedSequenceHeaderOfTheOriginalNeverActsOnTheDeadLetterStream() throws Exception {
        stream(StreamConfiguration.builder().name("OCC").subjects("occ.>"));
        stream(StreamConfiguration.builder().name("OCCDLQ").subjects("occdlq.x"));
        js.publish("occdlq.x", "an earlier dead letter".getBytes(StandardCharsets.UTF_8)); // last subject sequence 1
        AtomicInteger attempts = new AtomicInteger();
        started.adapter().endpointActivation(failing("refused", attempts), spec("occ.order", "OCC", "occ-worker",
                "occdlq.x"));
        // Optimistic concurrency on the order's own subject: the stream stores the header with it.
        js.publish("occ.order", null, "order-1".getBytes(StandardCharsets.UTF_8),
                PublishOptions.builder().expectedLastSubjectSequence(0).messageId("order-1").build());

        Await.until(WAIT, "the dead letter beside the earlier one", () -> count("OCCDLQ") == 2);
        awaitSettled("OCC", "occ-worker");
        Headers h = jsm.getMessage("OCCDLQ", 2).getHeaders();
        assertEquals("0", h.getFirst(NatsHeaders.DEAD_LETTER_ORIGINAL_PREFIX + "Nats-Expected-Last-Subject-Sequence"));
        assertEquals("order-1", h.getFirst(NatsHeaders.DEAD_LETTER_ORIGINAL_PREFIX + "Nats-Msg-Id"));
        assertNull(h.getFirst("Nats-Expected-Last-Subject-Sequence"), "a directive reached the dead-letter stream");
        assertTrue(h.getFirst("Nats-Msg-Id").startsWith("dlq-OCC-1-"), h.getFirst("Nats-Msg-Id"));
    }

    @Test
    void aRollupHeaderOfTheOriginalDoesNotPurgeEarlierDeadLetters() throws Exception {
        stream(StreamConfiguration.builder().name("ROLL").subjects("roll.in").allowRollup(true));
        stream(StreamConfiguration.builder().name("ROLLDLQ").subjects("roll.dlq").allowRollup(true));
        AtomicInteger attempts = new AtomicInteger();
        started.adapter().endpointActivation(failing("refused", attempts), spec("roll.in", "ROLL", "roll-worker",
                "roll.dlq"));
        for (int i = 1; i <= 3; i++) {
            js.publish("roll.in", new Headers().put("Nats-Rollup", "sub"),
                    ("snapshot-" + i).getBytes(StandardCharsets.UTF_8));
            int expected = i;
            Await.until(WAIT, () -> "dead letter " + expected + ", stream holds " + count("ROLLDLQ") + " after "
                    + attempts + " attempts; consumer " + consumer("ROLL", "roll-worker"),
                    () -> count("ROLLDLQ") >= expected);
        }
        awaitSettled("ROLL", "roll-worker");
        assertEquals(3, count("ROLLDLQ"), "a dead letter rolled up the ones before it");
    }

    @Test
    void aDeadLetterStreamMissingForAWhileGetsTheMessageOnceAfterItExists() throws Exception {
        stream(StreamConfiguration.builder().name("LATE").subjects("late.in"));
        stream(StreamConfiguration.builder().name("LATEDLQ").subjects("late.dlq"));
        AtomicInteger attempts = new AtomicInteger();
        NatsActivationSpec spec = spec("late.in", "LATE", "late-worker", "late.dlq");
        spec.setBackoff("100");
        started.adapter().endpointActivation(failing("refused", attempts), spec);
        jsm.deleteStream("LATEDLQ"); // gone after the activation checked it
        js.publish("late.in", "poison".getBytes(StandardCharsets.UTF_8));

        // maxDeliver 2: the 2nd attempt's dead letter fails, the message must come back for a 3rd.
        Await.until(WAIT, () -> "a delivery after the dead letter failed, attempts " + attempts,
                () -> attempts.get() >= 3);
        assertEquals(1, consumer("LATE", "late-worker").getNumAckPending() + consumer("LATE", "late-worker")
                .getNumPending(), "the message must still be waiting, not gone");
        stream(StreamConfiguration.builder().name("LATEDLQ").subjects("late.dlq"));

        Await.until(WAIT, "the dead letter once the stream exists", () -> count("LATEDLQ") == 1);
        awaitSettled("LATE", "late-worker");
        assertEquals(1, count("LATEDLQ"));
        assertEquals(1, consumer("LATE", "late-worker").getAckFloor().getStreamSequence());
    }

    @Test
    void theServerSideConsumerHasNoDeliveryLimitEvenWhenAnExistingDurableHadOne() throws Exception {
        stream(StreamConfiguration.builder().name("LIMIT").subjects("limit.in"));
        jsm.addOrUpdateConsumer("LIMIT", ConsumerConfiguration.builder().durable("old-durable").filterSubject("limit.in")
                .ackPolicy(AckPolicy.Explicit).maxDeliver(2).build());
        started.adapter().endpointActivation(new TestEndpointFactory("ok"), spec("limit.in", "LIMIT", "old-durable", null));
        assertEquals(-1, consumer("LIMIT", "old-durable").getConsumerConfiguration().getMaxDeliver());
    }

    @Test
    void deliveriesThatWereNotFailuresNeverEndAMessage() throws Exception {
        stream(StreamConfiguration.builder().name("GIVEBACK").subjects("giveback.in"));
        js.publish("giveback.in", "m".getBytes(StandardCharsets.UTF_8));
        NatsActivationSpec spec = spec("giveback.in", "GIVEBACK", "giveback-worker", null); // maxDeliver 2
        // Twice the message arrives but no endpoint can be had before the bean is undeployed: given back.
        for (int i = 1; i <= 2; i++) {
            TestEndpointFactory unavailable = new TestEndpointFactory("unavailable");
            unavailable.failNextCreates(Integer.MAX_VALUE);
            started.adapter().endpointActivation(unavailable, spec);
            int delivery = i;
            Await.until(WAIT, "delivery " + delivery, () -> consumer("GIVEBACK", "giveback-worker").getDelivered()
                    .getConsumerSequence() >= delivery);
            started.adapter().endpointDeactivation(unavailable, spec);
        }
        Map<Long, Integer> seen = new ConcurrentHashMap<>();
        TestEndpointFactory working = new TestEndpointFactory("working",
                m -> seen.merge(m.deliveryCount(), 1, Integer::sum));
        started.adapter().endpointActivation(working, spec);
        awaitSettled("GIVEBACK", "giveback-worker");
        assertEquals(List.of(3L), List.copyOf(seen.keySet()), "delivered once more, past maxDeliver, and acked");
        assertEquals(1, consumer("GIVEBACK", "giveback-worker").getAckFloor().getStreamSequence());
    }

    @Test
    void aDeadLetterSubjectTheActivationReceivesItselfIsRefused() {
        NatsActivationSpec s = spec("loop.>", "LOOP", "d", "loop.dlq");
        jakarta.resource.spi.InvalidPropertyException e = org.junit.jupiter.api.Assertions.assertThrows(
                jakarta.resource.spi.InvalidPropertyException.class, s::validate);
        assertTrue(e.getMessage().contains("'deadLetterSubject'") && e.getMessage().contains("'loop.dlq'"),
                e.getMessage());
    }


    @Test
    void aDeadLetterTooBigForTheServerGoesWithoutTheOriginalsDataAndSaysSo() throws Exception {
        java.nio.file.Path config = java.nio.file.Files.createTempFile("nats-small", ".conf");
        java.nio.file.Files.writeString(config, "max_payload: 2048\n");
        try (dev.natsjca.testing.NatsServer small = dev.natsjca.testing.NatsServer.start(0, "-c", config.toString());
             StartedAdapter own = new StartedAdapter(small.url(), 4);
             Connection c = Nats.connect(small.url())) {
            JetStreamManagement m = c.jetStreamManagement();
            m.addStream(StreamConfiguration.builder().name("BIG").subjects("big.in").build());
            m.addStream(StreamConfiguration.builder().name("BIGDLQ").subjects("big.dlq").build());
            AtomicInteger attempts = new AtomicInteger();
            NatsActivationSpec spec = spec("big.in", "BIG", "big-worker", "big.dlq");
            spec.setMaxDeliver("1");
            own.adapter().endpointActivation(failing("x".repeat(900) + " refused", attempts), spec);
            // Fits as it is; with the dead-letter headers (a reason of up to 1,024 characters) it would not.
            c.jetStream().publish("big.in", new byte[1800]);
            Await.until(WAIT, () -> "the dead letter, attempts " + attempts, () -> {
                try {
                    return m.getStreamInfo("BIGDLQ").getStreamState().getMsgCount() == 1;
                } catch (Exception e) {
                    return false;
                }
            });
            MessageInfo dead = m.getMessage("BIGDLQ", 1);
            assertEquals("1800", dead.getHeaders().getFirst(NatsHeaders.DEAD_LETTER_DATA_OMITTED));
            assertEquals(0, dead.getData() == null ? 0 : dead.getData().length);
            assertEquals("1", dead.getHeaders().getFirst(NatsHeaders.DEAD_LETTER_SEQUENCE));
        } finally {
            java.nio.file.Files.deleteIfExists(config);
        }
    }
}
