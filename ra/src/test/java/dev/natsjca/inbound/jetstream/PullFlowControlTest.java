package dev.natsjca.inbound.jetstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.api.StreamConfiguration;

/**
 * An activation never asks the server for more than it can hold ({@code batchSize} +
 * {@code maxConcurrency}), not even across reconnects: a pull that survived a short cut, or pulls
 * the client would have buffered during an outage, never add to the pull sent afterwards. More
 * would wait in the client while their {@code ackWait} runs, and come twice.
 */
class PullFlowControlTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int BATCH = 10;
    private static final int MAX_CONCURRENCY = 1;
    private static final int CAPACITY = BATCH + MAX_CONCURRENCY;

    private NatsServer server;
    private StartedAdapter started;
    private Connection client;
    private JetStreamManagement jsm;
    private JetStream js;

    @BeforeEach
    void start() throws Exception {
        server = NatsServer.start();
        started = new StartedAdapter(server.url(), 8);
        client = Nats.connect(server.url());
        jsm = client.jetStreamManagement();
        js = client.jetStream();
    }

    @AfterEach
    void stop() throws Exception {
        started.close();
        client.close();
        server.close();
    }

    @Test
    void aPullThatSurvivedAShortCutNeverAddsToTheNextOne() throws Exception {
        jsm.addStream(StreamConfiguration.builder().name("FLOW").subjects("flow.>").build());
        try (TcpProxy proxy = new TcpProxy(server.port())) {
            TestEndpointFactory endpoint = slowBean("short-cut");
            activate(endpoint, proxy, "short-cut");
            proxy.cut();
            Await.until(WAIT, "the server noticed the cut", () -> connections() == 1);
            proxy.restore();
            // The pull waiting at the server is valid again once the client subscribes its inbox anew.
            Await.until(WAIT, "reconnected", () -> connections() == 2);
            publish();
            assertNeverMoreThanCapacity(endpoint, "short-cut");
        }
    }

    @Test
    void anOutageLongerThanAPullsExpiryLeavesNoPullsBehindForTheReconnect() throws Exception {
        // Longer than a pull's expiry and grace (12 s) and jnats' heartbeat alarm (15 s): the
        // moments at which a pull in doubt is replaced, while the client cannot reach the server.
        backlogAcross(Duration.ofSeconds(20), "long-outage");
    }

    @Test
    void aBusyActivationKeepsItsPullAndStrandsNothing() throws Exception {
        jsm.addStream(StreamConfiguration.builder().name("FLOW").subjects("flow.>").build());
        TestEndpointFactory endpoint = new TestEndpointFactory("busy");
        NatsActivationSpec spec = Specs.of("flow.x", "FLOW", "busy");
        spec.setBatchSize("10");
        spec.setMaxConcurrency("10");
        spec.setAckWait("120000"); // a stranded message would come back only after two minutes
        started.adapter().endpointActivation(endpoint, spec);
        Await.until(WAIT, "pulling", () -> consumer("busy").getNumWaiting() == 1);

        // No worker can start: the hand-off fills, the dispatcher waits, the rest stays queued in it.
        started.workManager().rejectNext(Integer.MAX_VALUE);
        for (int i = 0; i < 20; i++) {
            js.publish("flow.x", Integer.toString(i).getBytes(StandardCharsets.UTF_8));
        }
        Await.until(WAIT, "all 20 sent to the client", () -> consumer("busy").getNumAckPending() == 20);
        // The stimulus: busy past jnats' heartbeat alarm (15 s) and past the pull's expiry and grace
        // (12 s), at which a silent pull is cancelled. A busy one is not silent: cancelling it (and
        // timing its drain out) would drop what its dispatcher had queued.
        LockSupport.parkNanos(Duration.ofSeconds(20).toNanos());
        started.workManager().rejectNext(0);
        Await.until(WAIT, () -> "all 20 long before the ack wait, got " + endpoint.received().size(),
                () -> endpoint.received().size() == 20);
        for (int i = 20; i < 40; i++) {
            js.publish("flow.x", Integer.toString(i).getBytes(StandardCharsets.UTF_8));
        }
        Await.until(WAIT, () -> "and 20 more, got " + endpoint.received().size(), () -> endpoint.received().size() == 40);
        assertEquals(0, jsm.getConsumerInfo("FLOW", "busy").getRedelivered(), "nothing came twice");
    }

    @Test
    void aPullTheServerRefusesIsNotRepeatedInALoop() throws Exception {
        jsm.addStream(StreamConfiguration.builder().name("FLOW").subjects("flow.>").build());
        // One waiting pull at a time for the whole durable: a second activation's pulls are refused
        // with 409 Exceeded MaxWaiting for as long as the first one's pull waits.
        jsm.addOrUpdateConsumer("FLOW", io.nats.client.api.ConsumerConfiguration.builder().durable("shared")
                .filterSubject("flow.x").ackPolicy(io.nats.client.api.AckPolicy.Explicit).maxPullWaiting(1).build());
        List<String> refusals = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                String text = new java.util.logging.SimpleFormatter().formatMessage(r);
                if (text.contains("refused a pull")) {
                    refusals.add(text);
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger log = Logger.getLogger(FlowControlledPull.class.getName());
        log.addHandler(capture);
        try {
            TestEndpointFactory first = new TestEndpointFactory("first");
            TestEndpointFactory second = new TestEndpointFactory("second");
            started.adapter().endpointActivation(first, Specs.of("flow.x", "FLOW", "shared"));
            Await.until(WAIT, "the first pulling", () -> consumer("shared").getNumWaiting() == 1);
            NatsActivationSpec spec = Specs.of("flow.x", "FLOW", "shared");
            started.adapter().endpointActivation(second, spec);
            EndpointActivation activation = started.adapter().activation(second, spec);
            Await.until(WAIT, "the second consuming", () -> activation.state() == EndpointActivation.State.CONSUMING);
            long from = inMsgs();
            // The second asks again at its next watch (every 5 s), not at once: over 3 s a loop
            // would send thousands of pulls; the watch, one or two.
            LockSupport.parkNanos(Duration.ofSeconds(3).toNanos()); // the window in which pulls are counted
            long pulls = inMsgs() - from;
            assertTrue(pulls < 20, pulls + " messages reached the server in 3 s");
            // Servers up to 2.10 refuse the second pull; newer ones let it wait without a word.
            assertTrue(refusals.stream().allMatch(r -> r.contains("Exceeded MaxWaiting")), refusals.toString());

            js.publish("flow.x", "still consumed".getBytes(StandardCharsets.UTF_8));
            Await.until(WAIT, "delivered to one of them", () -> first.received().size() + second.received().size() == 1);
        } finally {
            log.removeHandler(capture);
        }
    }

    private long inMsgs() {
        Matcher m = Pattern.compile("\"in_msgs\":\\s*(\\d+)").matcher(server.monitor("/varz"));
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    private void backlogAcross(Duration outage, String name) throws Exception {
        jsm.addStream(StreamConfiguration.builder().name("FLOW").subjects("flow.>").build());
        try (TcpProxy proxy = new TcpProxy(server.port())) {
            TestEndpointFactory endpoint = slowBean(name);
            activate(endpoint, proxy, name);
            proxy.cut();
            publish();
            LockSupport.parkNanos(outage.toNanos()); // the outage itself: its length is the stimulus
            proxy.restore();
            assertNeverMoreThanCapacity(endpoint, name);
        }
    }

    /** Per message body, the delivery counts the bean saw, in order. */
    private final Map<String, List<Long>> deliveries = new ConcurrentHashMap<>();

    private TestEndpointFactory slowBean(String name) {
        return new TestEndpointFactory(name, m -> {
            deliveries.computeIfAbsent(new String(m.data(), StandardCharsets.UTF_8), k -> new CopyOnWriteArrayList<>())
                    .add(m.deliveryCount());
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100)); // the bean's work
        });
    }

    private void activate(TestEndpointFactory endpoint, TcpProxy proxy, String name) throws Exception {
        NatsActivationSpec spec = Specs.of("flow.x", "FLOW", name);
        spec.setServerUrls(proxy.url());
        spec.setReconnectWait("100");
        spec.setBatchSize(Integer.toString(BATCH));
        spec.setMaxConcurrency(Integer.toString(MAX_CONCURRENCY));
        spec.setAckWait("3000"); // 11 held x 100 ms fits; twice that would not
        started.adapter().endpointActivation(endpoint, spec);
        Await.until(WAIT, "pulling", () -> consumer(name) != null && consumer(name).getNumWaiting() == 1);
    }

    private void publish() throws Exception {
        for (int i = 0; i < 60; i++) {
            js.publish("flow.x", Integer.toString(i).getBytes(StandardCharsets.UTF_8));
        }
    }

    private void assertNeverMoreThanCapacity(TestEndpointFactory endpoint, String name) {
        AtomicLong mostInFlight = new AtomicLong();
        Await.until(WAIT, () -> deliveries.size() + " of 60 delivered, at most " + mostInFlight
                + " unacknowledged at once", () -> {
                    ConsumerInfo ci = consumer(name);
                    if (ci != null) {
                        mostInFlight.accumulateAndGet(ci.getNumAckPending(), Math::max);
                    }
                    return ci != null && ci.getNumPending() == 0 && ci.getNumAckPending() == 0;
                });
        // Seen from the server, two more: a message it sent into the cut itself never reached the
        // client, and counts as unacknowledged until its ackWait (then comes again, once: the
        // client never saw it); and the server may take a pull before the ack the client sent just
        // ahead of it (one per worker).
        long sentIntoTheCut = consumer(name).getRedelivered();
        long acksInFlight = MAX_CONCURRENCY;
        assertTrue(mostInFlight.get() <= CAPACITY + sentIntoTheCut + acksInFlight, "at most " + CAPACITY + " (+ "
                + sentIntoTheCut + " sent into the cut, + " + acksInFlight + " acks in flight) unacknowledged at "
                + "once, saw " + mostInFlight.get());
        assertEquals(60, deliveries.size(), () -> "all delivered: " + deliveries);
        // A message the bean saw at its first delivery and saw again waited in the client past its
        // ackWait. (One first seen at a later delivery was sent into the cut; what the server does
        // with it around the outage is its business: on 2.9 it may even come once more.)
        deliveries.forEach((body, counts) -> assertTrue(counts.get(0) > 1 || counts.size() == 1,
                () -> "message " + body + " came again after the bean had it: deliveries " + counts));
    }

    private int connections() {
        Matcher m = Pattern.compile("\"num_connections\":\\s*(\\d+)")
                .matcher(server.monitor("/connz"));
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    private ConsumerInfo consumer(String name) {
        try {
            return jsm.getConsumerInfo("FLOW", name);
        } catch (Exception e) {
            return null;
        }
    }
}
