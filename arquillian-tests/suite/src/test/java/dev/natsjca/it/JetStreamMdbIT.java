package dev.natsjca.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.spec.EnterpriseArchive;
import org.jboss.shrinkwrap.api.spec.JavaArchive;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.natsjca.api.NatsHeaders;
import dev.natsjca.it.js.CountingListener;
import dev.natsjca.it.js.FlakyListener;
import dev.natsjca.it.js.PoisonListener;
import dev.natsjca.it.js.TransactedRelay;
import dev.natsjca.it.life.ParseListener;
import dev.natsjca.it.life.ShareA;
import dev.natsjca.it.life.ShareB;
import dev.natsjca.testing.Await;
import dev.natsjca.testing.NatsServer;
import dev.natsjca.testing.NatsServerExtension;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.api.MessageInfo;

/** JetStream message-driven beans in the server, driven and observed over NATS alone. */
@ExtendWith({NatsServerExtension.class, ArquillianExtension.class})
class JetStreamMdbIT {

    private static final Duration WAIT = Duration.ofSeconds(120);

    @Deployment(testable = false)
    static EnterpriseArchive jsApp() {
        return TestEar.ear("jsapp", ShrinkWrap.create(JavaArchive.class, "js-ejb.jar")
                        .addClasses(CountingListener.class, PoisonListener.class, TransactedRelay.class,
                                ShareA.class, ShareB.class, ParseListener.class, FlakyListener.class),
                List.of(new TestEar.Bean("CountingListener", true, false),
                        new TestEar.Bean("PoisonListener", true, false),
                        new TestEar.Bean("TransactedRelay", true, true),
                        new TestEar.Bean("ShareA", true, true),
                        new TestEar.Bean("ShareB", true, true),
                        new TestEar.Bean("ParseListener", true, false),
                        new TestEar.Bean("FlakyListener", true, true)),
                null, Map.of());
    }

    private Connection client;
    private JetStream js;
    private JetStreamManagement jsm;
    private Streams streams;

    @BeforeEach
    void connect(NatsServer nats) throws Exception {
        client = Nats.connect(nats.url());
        js = client.jetStream();
        jsm = client.jetStreamManagement();
        streams = new Streams(jsm);
    }

    @AfterEach
    void disconnect() throws Exception {
        client.close();
    }

    private long ackFloor(String stream, String durable) {
        return streams.ackFloor(stream, durable);
    }

    private void awaitConsumer(String stream, String durable) {
        streams.awaitConsumer(WAIT, stream, durable);
    }

    @Test
    void thousandMessagesWithMaxConcurrencyFourAreAllProcessedAndAcked() throws Exception {
        awaitConsumer("JSIT", "js-counter");
        long last = 0;
        for (int i = 0; i < 1000; i++) {
            last = js.publish("jsit.in", ("item-" + i).getBytes(StandardCharsets.UTF_8)).getSeqno();
        }
        long end = last;
        Await.until(WAIT, () -> "ack floor at " + end + ", is " + ackFloor("JSIT", "js-counter"),
                () -> ackFloor("JSIT", "js-counter") == end);
        assertEquals(0, jsm.getConsumerInfo("JSIT", "js-counter").getNumAckPending(), "unacknowledged left");
        assertEquals(0, jsm.getConsumerInfo("JSIT", "js-counter").getRedelivered(), "a success was redelivered");
    }

    @Test
    void poisonMessageIsDeadLetteredOnceAfterMaxDeliverAndTheRestIsProcessed() throws Exception {
        awaitConsumer("JSITP", "js-poison");
        long poison = js.publish("jsitp.in", "poison".getBytes(StandardCharsets.UTF_8)).getSeqno();
        long last = 0;
        for (int i = 0; i < 5; i++) {
            last = js.publish("jsitp.in", ("ok-" + i).getBytes(StandardCharsets.UTF_8)).getSeqno();
        }
        long end = last;
        Await.until(WAIT, () -> "all settled up to " + end, () -> ackFloor("JSITP", "js-poison") >= end);
        MessageInfo dead = jsm.getLastMessage("JSITP", "jsitp.dlq");
        assertEquals("poison", new String(dead.getData(), StandardCharsets.UTF_8));
        assertEquals("3", dead.getHeaders().getFirst(NatsHeaders.DEAD_LETTER_DELIVERIES));
        assertEquals(Long.toString(poison), dead.getHeaders().getFirst(NatsHeaders.DEAD_LETTER_SEQUENCE));
        assertEquals("jsitp.in", dead.getHeaders().getFirst(NatsHeaders.DEAD_LETTER_SUBJECT));
        assertTrue(dead.getHeaders().getFirst(NatsHeaders.DEAD_LETTER_REASON).contains("poison cannot be processed"),
                dead.getHeaders().getFirst(NatsHeaders.DEAD_LETTER_REASON));
        assertEquals(end + 1, jsm.getStreamInfo("JSITP").getStreamState().getMsgCount(),
                "exactly one dead letter besides the six inputs");
    }

    @Test
    void failedAttemptsAreRedeliveredAfterTheBackoffThenAcked() throws Exception {
        awaitConsumer("JSITF", "js-flaky");
        try (Receiver attempts = new Receiver(client, "jsitf.attempts")) {
            js.publish("jsitf.in", "flaky-1".getBytes(StandardCharsets.UTF_8));
            long last = js.publish("jsitf.in", "fine-1".getBytes(StandardCharsets.UTF_8)).getSeqno();
            Await.until(WAIT, "both acked", () -> ackFloor("JSITF", "js-flaky") == last);
            List<Long> flaky = attempts.timedMessages().stream()
                    .filter(t -> new String(t.message().getData(), StandardCharsets.UTF_8).equals("flaky-1"))
                    .map(Receiver.Timed::nanos).collect(java.util.stream.Collectors.toList());
            assertEquals(3, flaky.size(), "two failures, then success");
            // nak delays are minimum delays: the 1st retry waits >= 300 ms, the 2nd >= 600 ms
            assertTrue(flaky.get(1) - flaky.get(0) >= Duration.ofMillis(280).toNanos(), "first backoff too short");
            assertTrue(flaky.get(2) - flaky.get(1) >= Duration.ofMillis(580).toNanos(), "second backoff too short");
            assertEquals(1, attempts.messages().stream()
                    .filter(m -> new String(m.getData(), StandardCharsets.UTF_8).equals("fine-1")).count());
            assertEquals(0, jsm.getConsumerInfo("JSITF", "js-flaky").getNumAckPending(), "left unacknowledged");
        }
    }

    @Test
    void transactedMdbAcksAndPublishesAtCommitAndNeitherAtRollback() throws Exception {
        awaitConsumer("JSITT", "js-tx");
        try (Receiver out = new Receiver(client, "jsitt.out")) {
            js.publish("jsitt.in", "rollback-once".getBytes(StandardCharsets.UTF_8));
            long last = js.publish("jsitt.in", "commit".getBytes(StandardCharsets.UTF_8)).getSeqno();
            Await.until(WAIT, "both acked", () -> ackFloor("JSITT", "js-tx") == last);
            Await.until(WAIT, () -> "two publishes, got " + out.messages().size(), () -> out.messages().size() >= 2);
            java.util.List<String> seen = out.messages().stream()
                    .map(m -> new String(m.getData(), StandardCharsets.UTF_8) + "@" + m.getHeaders().getFirst("Delivery"))
                    .sorted().collect(java.util.stream.Collectors.toList());
            // The rolled-back first delivery published nothing and was not acked: redelivered as #2.
            assertEquals(java.util.List.of("commit@1", "rollback-once@2"), seen);
        }
    }

    @Test
    void twoMessageDrivenBeansOnOneDurableSplitTheWork() throws Exception {
        awaitConsumer("JSITS", "js-share");
        try (Receiver done = new Receiver(client, "jsits.done")) {
            int n = 200;
            for (int i = 0; i < n; i++) {
                js.publish("jsits.in", ("w-" + i).getBytes(StandardCharsets.UTF_8));
            }
            Await.until(WAIT, () -> "all " + n + " processed, got " + done.messages().size(),
                    () -> done.messages().stream().map(m -> new String(m.getData(), StandardCharsets.UTF_8))
                            .distinct().count() == n);
            Map<String, Long> byWorker = done.messages().stream().collect(java.util.stream.Collectors.groupingBy(
                    m -> m.getHeaders().getFirst("Worker"), java.util.stream.Collectors.counting()));
            assertEquals(java.util.Set.of("A", "B"), byWorker.keySet(), "both beans take part: " + byWorker);
        }
    }

    @Test
    void unparseablePayloadsAreDeadLetteredWithTheParseErrorAndTheRestIsProcessed() throws Exception {
        awaitConsumer("JSITX", "js-parse");
        long malformed = js.publish("jsitx.in", new byte[] {(byte) 0xFF, (byte) 0xFF}).getSeqno();
        long wrongType = js.publish(io.nats.client.impl.NatsMessage.builder().subject("jsitx.in")
                .headers(new io.nats.client.impl.Headers().put(NatsHeaders.PROTOBUF_TYPE, "google.protobuf.Duration"))
                .data(com.google.protobuf.Duration.newBuilder().setSeconds(5).build().toByteArray()).build()).getSeqno();
        long good = js.publish("jsitx.in", com.google.protobuf.Timestamp.newBuilder().setSeconds(1).build()
                .toByteArray()).getSeqno();
        Await.until(WAIT, () -> "all three settled, ack floor " + ackFloor("JSITX", "js-parse"),
                () -> ackFloor("JSITX", "js-parse") >= good);

        MessageInfo first = jsm.getNextMessage("JSITX", good + 1, "jsitx.dlq");
        MessageInfo second = jsm.getNextMessage("JSITX", first.getSeq() + 1, "jsitx.dlq");
        Map<String, MessageInfo> dead = Map.of(first.getHeaders().getFirst(NatsHeaders.DEAD_LETTER_SEQUENCE), first,
                second.getHeaders().getFirst(NatsHeaders.DEAD_LETTER_SEQUENCE), second);
        assertEquals(java.util.Set.of(Long.toString(malformed), Long.toString(wrongType)), dead.keySet());
        MessageInfo m = dead.get(Long.toString(malformed));
        assertEquals("3", m.getHeaders().getFirst(NatsHeaders.DEAD_LETTER_DELIVERIES));
        assertTrue(m.getHeaders().getFirst(NatsHeaders.DEAD_LETTER_REASON).contains("is not a valid"),
                m.getHeaders().getFirst(NatsHeaders.DEAD_LETTER_REASON));
        org.junit.jupiter.api.Assertions.assertArrayEquals(new byte[] {(byte) 0xFF, (byte) 0xFF}, m.getData());
        MessageInfo w = dead.get(Long.toString(wrongType));
        assertTrue(w.getHeaders().getFirst(NatsHeaders.DEAD_LETTER_REASON).contains("google.protobuf.Duration"),
                w.getHeaders().getFirst(NatsHeaders.DEAD_LETTER_REASON));
        assertEquals(good + 2, jsm.getStreamInfo("JSITX").getStreamState().getMsgCount(),
                "the good message was dead-lettered too, or a dead letter was stored twice");
    }

}
