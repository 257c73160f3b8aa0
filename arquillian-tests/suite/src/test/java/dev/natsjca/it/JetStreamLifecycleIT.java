package dev.natsjca.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.jboss.arquillian.container.test.api.Deployer;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.spec.EnterpriseArchive;
import org.jboss.shrinkwrap.api.spec.JavaArchive;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.natsjca.it.life.EchoListener;
import dev.natsjca.it.life.SlowEchoListener;
import dev.natsjca.testing.Await;
import dev.natsjca.testing.NatsServer;
import dev.natsjca.testing.NatsServerExtension;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.Options;

/**
 * A JetStream message-driven bean across its own undeploy/redeploy and across a nats-server crash.
 * The bean ({@link EchoListener}) stores an echo of every input in the same stream, in the same
 * transaction that acks the input, so the stream itself tells what was processed and how often.
 */
@ExtendWith({NatsServerExtension.class, ArquillianExtension.class})
class JetStreamLifecycleIT {

    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final String ECHO = "echo";
    private static final String SLOW = "slow";
    private static final String STREAM = "JSITR";
    private static final String DURABLE = "js-echo";

    @ArquillianResource
    private Deployer deployer;

    @Deployment(name = ECHO, managed = false, testable = false)
    static EnterpriseArchive echoApp() {
        return TestEar.ear("echoapp", ShrinkWrap.create(JavaArchive.class, "echo-ejb.jar").addClass(EchoListener.class),
                List.of(new TestEar.Bean("EchoListener", true, true)), null, Map.of());
    }

    @Deployment(name = SLOW, managed = false, testable = false)
    static EnterpriseArchive slowApp() {
        return TestEar.ear("slowapp", ShrinkWrap.create(JavaArchive.class, "slow-ejb.jar")
                .addClass(SlowEchoListener.class), List.of(new TestEar.Bean("SlowEchoListener", true, true)), null,
                Map.of());
    }

    private Connection client;
    private JetStream js;
    private JetStreamManagement jsm;
    private Streams streams;
    private long echoCursor = 1;
    private final List<String> echoes = new ArrayList<>();

    @BeforeEach
    void connect(NatsServer nats) throws Exception {
        client = Nats.connect(Options.builder().server(nats.url()).maxReconnects(-1)
                .reconnectWait(Duration.ofMillis(100)).build());
        js = client.jetStream();
        jsm = client.jetStreamManagement();
        streams = new Streams(jsm);
    }

    @AfterEach
    void disconnect() throws Exception {
        client.close();
    }

    @Test
    void redeployedDurableResumesWithExactlyTheMessagesPublishedWhileUndeployed() throws Exception {
        deployer.deploy(ECHO);
        try {
            awaitConsumer();
            publish("before", 0, 10);
            Await.until(WAIT, () -> "the first ten processed, echoes " + echoes("before").size(),
                    () -> settled() && echoes("before").size() == 10);
        } finally {
            deployer.undeploy(ECHO);
        }
        assertEquals(DURABLE, jsm.getConsumerInfo(STREAM, DURABLE).getName(), "undeploy deleted the durable");

        publish("away", 0, 100);
        deployer.deploy(ECHO);
        try {
            Await.until(WAIT, () -> "the hundred processed after redeploy, echoes " + echoes("away").size(),
                    () -> settled() && echoes("away").size() >= 100);
            assertEquals(IntStream.range(0, 100).mapToObj(i -> "away-" + i).sorted().collect(Collectors.toList()),
                    echoes("away").stream().sorted().collect(Collectors.toList()),
                    "exactly the messages published while undeployed, each once");
            assertEquals(10, echoes("before").size(), "messages processed before undeploy were delivered again");
        } finally {
            deployer.undeploy(ECHO);
        }
    }

    @Test
    void natsServerKilledAndRestartedMidStreamLosesNothing(NatsServer nats) throws Exception {
        deployer.deploy(ECHO);
        try {
            awaitConsumer();
            publish("crash", 0, 300);
            Await.until(WAIT, "consumption under way", () -> echoes("crash").size() >= 30);
            nats.kill();
            nats.startAgain();
            Await.until(WAIT, "test client back", () -> client.getStatus() == Connection.Status.CONNECTED);
            publish("crash", 300, 500);
            Await.until(WAIT, () -> "all 500 processed at least once, distinct "
                    + echoes("crash").stream().distinct().count(), () -> settled()
                    && echoes("crash").stream().distinct().count() == 500);
        } finally {
            deployer.undeploy(ECHO);
        }
    }

    @Test
    void anUndeployGivesBackAtOnceWhatWasReceivedButNotDelivered() throws Exception {
        deployer.deploy(SLOW);
        try {
            streams.awaitConsumer(WAIT, "JSITH", "js-slow");
            for (int i = 0; i < 200; i++) {
                js.publish("jsith.in", ("held-" + i).getBytes(StandardCharsets.UTF_8));
            }
            Await.until(WAIT, "the slow bean under way, holding a batch", () -> slowEchoes().size() >= 10);
        } finally {
            deployer.undeploy(SLOW);
        }
        deployer.deploy(SLOW);
        try {
            // What was held is redelivered within seconds; held back, it would wait out the ackWait of 60 s.
            Await.until(Duration.ofSeconds(40), () -> "all 200 after the redeploy, distinct "
                    + slowEchoes().stream().distinct().count(), () -> slowEchoes().stream().distinct().count() == 200);
        } finally {
            deployer.undeploy(SLOW);
        }
    }

    private long slowCursor = 1;
    private final List<String> slowEchoes = new ArrayList<>();

    private List<String> slowEchoes() {
        try {
            for (var m : streams.stored("JSITH", "jsith.seen", slowCursor)) {
                slowEchoes.add(new String(m.getData(), StandardCharsets.UTF_8));
                slowCursor = m.getSeq() + 1;
            }
        } catch (java.io.IOException e) {
            // read on at the next poll
        }
        return slowEchoes;
    }

    private void awaitConsumer() {
        streams.awaitConsumer(WAIT, STREAM, DURABLE);
    }

    private void publish(String prefix, int from, int to) throws Exception {
        for (int i = from; i < to; i++) {
            js.publish("jsitr.in", (prefix + "-" + i).getBytes(StandardCharsets.UTF_8));
        }
    }

    private boolean settled() {
        return streams.settled(STREAM, DURABLE);
    }

    /** @return every echo stored so far whose input started with {@code prefix}, duplicates included */
    private List<String> echoes(String prefix) {
        try {
            for (var m : streams.stored(STREAM, "jsitr.seen", echoCursor)) {
                echoes.add(new String(m.getData(), StandardCharsets.UTF_8));
                echoCursor = m.getSeq() + 1;
            }
        } catch (java.io.IOException e) {
            // the server may be restarting: read on at the next poll
        }
        return echoes.stream().filter(s -> s.startsWith(prefix + "-")).collect(Collectors.toList());
    }
}
