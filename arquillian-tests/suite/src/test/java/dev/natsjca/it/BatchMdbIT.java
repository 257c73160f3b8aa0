package dev.natsjca.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

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
import dev.natsjca.it.batch.BatchRelay;
import dev.natsjca.testing.Await;
import dev.natsjca.testing.NatsServer;
import dev.natsjca.testing.NatsServerExtension;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.api.MessageInfo;

/**
 * A transacted batch MDB in a real server: batches of what waits, one transaction each; every
 * message's staged effect stored once (a rolled-back batch's messages come again), the poison
 * message isolated and dead-lettered once after maxDeliver attempts while the rest is committed.
 */
@ExtendWith({NatsServerExtension.class, ArquillianExtension.class})
class BatchMdbIT {

    private static final Duration WAIT = Duration.ofSeconds(120);

    @Deployment(testable = false)
    static EnterpriseArchive batchApp() {
        return TestEar.ear("batchapp", ShrinkWrap.create(JavaArchive.class, "batch-ejb.jar").addClass(BatchRelay.class),
                List.of(new TestEar.Bean("BatchRelay", true, true)), null, Map.of());
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
        streams.awaitConsumer(WAIT, "BATIT", "batit");
    }

    @AfterEach
    void disconnect() throws Exception {
        client.close();
    }

    @Test
    void batchesCommitOnceEachAndThePoisonIsDeadLetteredOnceWhileTheRestIsProcessed() throws Exception {
        long last = 0;
        int n = 100;
        for (int i = 0; i < n; i++) {
            String body = i == 17 ? "poison" : i == 40 ? "rollback-once" : "m" + i;
            last = js.publish("batit.in", body.getBytes(StandardCharsets.UTF_8)).getSeqno();
        }
        long end = last;
        Await.until(WAIT, () -> "all settled up to " + end + ", ack floor " + streams.ackFloor("BATIT", "batit"),
                () -> streams.ackFloor("BATIT", "batit") >= end);
        List<MessageInfo> out = streams.stored("BATIT", "batit.out", 1);
        Map<String, Long> once = out.stream().map(m -> new String(m.getData(), StandardCharsets.UTF_8))
                .collect(Collectors.groupingBy(b -> b, Collectors.counting()));
        assertEquals(n - 1, once.size(), "every message but the poison processed: " + once.keySet());
        assertTrue(once.values().stream().allMatch(c -> c == 1), "each stored once: " + once);
        assertTrue(once.containsKey("rollback-once"), "the rolled-back batch's messages came again");
        List<MessageInfo> dead = streams.stored("BATIT", "batit.dlq", 1);
        assertEquals(1, dead.size(), "dead-lettered once");
        assertEquals("poison", new String(dead.get(0).getData(), StandardCharsets.UTF_8));
        assertEquals("3", dead.get(0).getHeaders().getFirst(NatsHeaders.DEAD_LETTER_DELIVERIES));
        List<Integer> sizes = streams.stored("BATIT", "batit.sizes", 1).stream()
                .map(m -> Integer.valueOf(m.getHeaders().getFirst("Batch-Size"))).collect(Collectors.toList());
        assertTrue(sizes.stream().anyMatch(s -> s > 1) && sizes.stream().allMatch(s -> s <= 20),
                "committed batches of up to 20: " + sizes);
        assertTrue(sizes.size() < n, "fewer transactions than messages: " + sizes.size());
    }
}
