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
import dev.natsjca.it.js.PoisonListener;
import dev.natsjca.it.js.TransactedRelay;
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
                        .addClasses(CountingListener.class, PoisonListener.class, TransactedRelay.class),
                List.of(new TestEar.Bean("CountingListener", true, false),
                        new TestEar.Bean("PoisonListener", true, false),
                        new TestEar.Bean("TransactedRelay", true, true)),
                null, Map.of());
    }

    private Connection client;
    private JetStream js;
    private JetStreamManagement jsm;

    @BeforeEach
    void connect(NatsServer nats) throws Exception {
        client = Nats.connect(nats.url());
        js = client.jetStream();
        jsm = client.jetStreamManagement();
    }

    @AfterEach
    void disconnect() throws Exception {
        client.close();
    }

    private long ackFloor(String stream, String durable) {
        try {
            return jsm.getConsumerInfo(stream, durable).getAckFloor().getStreamSequence();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void thousandMessagesWithMaxConcurrencyFourAreAllProcessedAndAcked() throws Exception {
        Await.until(WAIT, "the MDB created its stream and consumer", () -> {
            try {
                return jsm.getConsumerInfo("JSIT", "js-counter") != null;
            } catch (Exception e) {
                return false;
            }
        });
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
        Await.until(WAIT, "the MDB created its stream and consumer", () -> {
            try {
                return jsm.getConsumerInfo("JSITP", "js-poison") != null;
            } catch (Exception e) {
                return false;
            }
        });
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
    void transactedMdbAcksAndPublishesAtCommitAndNeitherAtRollback() throws Exception {
        Await.until(WAIT, "the MDB created its stream and consumer", () -> {
            try {
                return jsm.getConsumerInfo("JSITT", "js-tx") != null;
            } catch (Exception e) {
                return false;
            }
        });
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

}
