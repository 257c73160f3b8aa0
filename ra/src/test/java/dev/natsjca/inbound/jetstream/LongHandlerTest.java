package dev.natsjca.inbound.jetstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.natsjca.api.NatsActivationStatus;
import dev.natsjca.api.NatsHeaders;
import dev.natsjca.inbound.NatsActivationSpec;
import dev.natsjca.testing.Await;
import dev.natsjca.testing.NatsServerExtension;
import dev.natsjca.testing.Specs;
import dev.natsjca.testing.StartedAdapter;
import dev.natsjca.testing.TestEndpointFactory;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.api.MessageInfo;
import io.nats.client.api.StreamConfiguration;
import jakarta.resource.spi.InvalidPropertyException;

/**
 * A delivery with a {@code maxProcessingTime} is kept alive while its bean runs, past a short
 * {@code ackWait}, and counts as failed once it has run that long.
 */
class LongHandlerTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Duration ACK_WAIT = Duration.ofMillis(800);

    @RegisterExtension
    static final NatsServerExtension NATS = NatsServerExtension.onFreePort();

    private StartedAdapter started;
    private Connection client;
    private JetStreamManagement jsm;
    private JetStream js;
    private static final AtomicInteger STREAMS = new AtomicInteger();
    private String name;
    /** Holds every delivery's bean until the test lets it go. */
    private final CountDownLatch release = new CountDownLatch(1);

    @BeforeEach
    void start() throws Exception {
        started = new StartedAdapter(NATS.server().url(), 8);
        client = Nats.connect(NATS.server().url());
        jsm = client.jetStreamManagement();
        js = client.jetStream();
        name = "LH" + STREAMS.incrementAndGet();
        jsm.addStream(StreamConfiguration.builder().name(name).subjects(name + ".in").build());
        jsm.addStream(StreamConfiguration.builder().name(name + "DLQ").subjects(name + ".dlq").build());
    }

    @AfterEach
    void stop() throws Exception {
        release.countDown();
        started.close();
        client.close();
    }

    private NatsActivationSpec spec(String maxProcessingTime) {
        NatsActivationSpec s = Specs.of(name + ".in", name, name + "-worker");
        s.setAckWait(Long.toString(ACK_WAIT.toMillis()));
        s.setMaxProcessingTime(maxProcessingTime);
        s.setDeadLetterSubject(name + ".dlq");
        s.setMaxConcurrency("2"); // a redelivery would find a free worker at once
        return s;
    }

    private ConsumerInfo consumer() {
        try {
            return jsm.getConsumerInfo(name, name + "-worker");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private NatsActivationStatus status() {
        return started.adapter().monitoring().snapshot().activations().get(0);
    }

    /** A bean that holds every delivery until {@link #release}, counting attempts. */
    private AtomicInteger slowBean(NatsActivationSpec spec) throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        started.adapter().endpointActivation(new TestEndpointFactory("slow", m -> {
            attempts.incrementAndGet();
            try {
                release.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }), spec);
        js.publish(name + ".in", "slow-1".getBytes(StandardCharsets.UTF_8));
        Await.until(WAIT, "the first delivery", () -> attempts.get() == 1);
        return attempts;
    }

    /** Lets several ack waits pass with the bean still running: the time the server would have redelivered in. */
    private static void letAckWaitsPass(int n) throws InterruptedException {
        // Absence can only be shown over time: n ack waits, each of which alone would redeliver.
        new CountDownLatch(1).await(ACK_WAIT.toMillis() * n, TimeUnit.MILLISECONDS);
    }

    @Test
    void aBeanRunningLongerThanAckWaitIsNotRedeliveredAndIsAckedWhenItReturns() throws Exception {
        AtomicInteger attempts = slowBean(spec("30000"));
        letAckWaitsPass(5);
        assertEquals(1, attempts.get(), "redelivered while the bean still ran");
        assertEquals(0, consumer().getRedelivered(), "the server redelivered");
        release.countDown();
        Await.until(WAIT, "acked", () -> consumer().getNumAckPending() == 0 && consumer().getNumPending() == 0);
        assertEquals(1, attempts.get());
        assertEquals(1, status().succeeded());
    }

    @Test
    void messagesWaitingBehindASlowBeanAreKeptAliveToo() throws Exception {
        NatsActivationSpec s = spec("30000");
        s.setMaxConcurrency("1"); // the next two wait in the hand-off while the first one's bean runs
        AtomicInteger attempts = slowBean(s);
        js.publish(name + ".in", "slow-2".getBytes(StandardCharsets.UTF_8));
        js.publish(name + ".in", "slow-3".getBytes(StandardCharsets.UTF_8));
        Await.until(WAIT, "both received", () -> consumer().getNumPending() == 0);
        letAckWaitsPass(5);
        assertEquals(0, consumer().getRedelivered(), "a waiting message was redelivered");
        release.countDown();
        Await.until(WAIT, "acked", () -> consumer().getNumAckPending() == 0 && consumer().getNumPending() == 0);
        assertEquals(3, attempts.get(), "each message delivered once");
    }

    @Test
    void aWorkManagerWithNoThreadFreeDoesNotStopTheKeepAlive() throws Exception {
        NatsActivationSpec s = spec("30000");
        s.setMaxConcurrency("1");
        AtomicInteger attempts = slowBean(s);
        CountDownLatch freed = takeEveryThread();
        // Received now, it waits behind the bean: its first in-progress ack can only come from the timer.
        js.publish(name + ".in", "slow-2".getBytes(StandardCharsets.UTF_8));
        Await.until(WAIT, "the second received", () -> consumer().getNumPending() == 0);
        letAckWaitsPass(5);
        assertEquals(0, consumer().getRedelivered(), "redelivered while no thread was free");
        assertEquals(1, attempts.get());
        freed.countDown();
        release.countDown();
        Await.until(WAIT, "both acked", () -> consumer().getNumAckPending() == 0 && attempts.get() == 2);
        assertEquals(2, status().succeeded());
        assertEquals(0, consumer().getRedelivered());
    }

    @Test
    void aTimeOutNoThreadCanSettleKeepsItsDeliveryAliveUntilOneCan() throws Exception {
        NatsActivationSpec s = spec("1500");
        s.setMaxConcurrency("1");
        s.setMaxDeliver("1");
        AtomicInteger attempts = slowBean(s);
        CountDownLatch freed = takeEveryThread();
        letAckWaitsPass(5); // past maxProcessingTime, with no thread to settle the time-out
        assertEquals(0, consumer().getRedelivered(), "redelivered before its time-out was settled");
        assertEquals(0, status().timedOut());
        freed.countDown(); // the bean still runs: the time-out settles it, one dead letter
        Await.until(WAIT, "the dead letter", () -> {
            try {
                return jsm.getStreamInfo(name + "DLQ").getStreamState().getMsgCount() == 1;
            } catch (Exception e) {
                return false;
            }
        });
        assertEquals(1, status().timedOut());
        assertEquals(1, attempts.get());
    }

    /**
     * Takes every thread of the work manager not taken yet (the bean holds one) until the latch it
     * returns is counted down: work handed to it meanwhile waits in its queue.
     */
    private CountDownLatch takeEveryThread() throws Exception {
        CountDownLatch freed = new CountDownLatch(1);
        for (int i = 0; i < started.workManager().threads(); i++) {
            started.workManager().scheduleWork(new jakarta.resource.spi.work.Work() {
                @Override
                public void run() {
                    try {
                        freed.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }

                @Override
                public void release() {
                }
            });
        }
        Await.until(WAIT, () -> "every thread busy: " + started.workManager().busyThreads(),
                () -> started.workManager().busyThreads() == started.workManager().threads());
        return freed;
    }

    @Test
    void withoutMaxProcessingTimeTheSameBeanIsRedelivered() throws Exception {
        // The control: what the keep-alive prevents does happen without it.
        AtomicInteger attempts = slowBean(spec(null));
        Await.until(WAIT, "a redelivery while the bean runs", () -> attempts.get() >= 2);
    }

    @Test
    void aDeliveryPastMaxProcessingTimeCountsAsFailedWhileTheBeanStillRuns() throws Exception {
        NatsActivationSpec s = spec("2000");
        s.setMaxDeliver("1"); // its one attempt failed: dead-lettered at once
        AtomicInteger attempts = slowBean(s);
        Await.until(WAIT, "the dead letter", () -> {
            try {
                return jsm.getStreamInfo(name + "DLQ").getStreamState().getMsgCount() == 1;
            } catch (Exception e) {
                return false;
            }
        });
        assertEquals(1, attempts.get());
        MessageInfo dead = jsm.getMessage(name + "DLQ", 1);
        String reason = dead.getHeaders().getFirst(NatsHeaders.DEAD_LETTER_REASON);
        assertTrue(reason.contains("maxProcessingTime (PT2S)"), reason);
        assertEquals(1, status().timedOut());
        assertEquals(1, status().inFlight(), "the bean still runs");
        release.countDown();
        Await.until(WAIT, "the bean returned", () -> status().inFlight() == 0);
        Await.until(WAIT, "settled", () -> consumer().getNumAckPending() == 0 && consumer().getNumPending() == 0);
        assertEquals(0, status().succeeded(), "what the bean did after the time-out settled the message again");
        assertEquals(1, jsm.getStreamInfo(name + "DLQ").getStreamState().getMsgCount());
    }

    @Test
    void aTimedOutDeliveryWithAttemptsLeftIsRedeliveredToAnotherWorker() throws Exception {
        NatsActivationSpec s = spec("1500");
        s.setMaxDeliver("3");
        AtomicInteger attempts = slowBean(s);
        Await.until(WAIT, "the redelivery after the time-out", () -> attempts.get() == 2);
        assertTrue(status().timedOut() >= 1, "timedOut " + status().timedOut());
    }

    @Test
    void maxProcessingTimeIsValidated() {
        NatsActivationSpec s = spec("soon");
        InvalidPropertyException e = assertThrows(InvalidPropertyException.class, s::validate);
        assertTrue(e.getMessage().contains("'maxProcessingTime'") && e.getMessage().contains("'soon'"), e.getMessage());
        NatsActivationSpec core = Specs.of("orders", null, null);
        core.setMaxProcessingTime("PT1M");
        InvalidPropertyException c = assertThrows(InvalidPropertyException.class, core::validate);
        assertTrue(c.getMessage().contains("'maxProcessingTime'"), c.getMessage());
    }
}
