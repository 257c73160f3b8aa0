package dev.natsjca.inbound.jetstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.natsjca.api.NatsActivationStatus;
import dev.natsjca.api.NatsHeaders;
import dev.natsjca.api.NatsPermanentFailure;
import dev.natsjca.api.NatsPermanentFailureException;
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
 * A failure retrying cannot fix goes to the dead-letter subject after its one attempt: an
 * exception annotated {@code @NatsPermanentFailure} (or a subclass), one listed in
 * {@code permanentFailures}, found anywhere in the cause chain; any other failure is retried up to
 * {@code maxDeliver} times as before.
 */
class PermanentFailureTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @RegisterExtension
    static final NatsServerExtension NATS = NatsServerExtension.onFreePort();

    /** An application's own business exception. */
    @NatsPermanentFailure
    static class UnknownOrderType extends RuntimeException {
        UnknownOrderType(String message) {
            super(message);
        }
    }

    /** Inherits permanence from its annotated superclass. */
    static class UnknownRefundType extends UnknownOrderType {
        UnknownRefundType(String message) {
            super(message);
        }
    }

    private StartedAdapter started;
    private Connection client;
    private JetStreamManagement jsm;
    private JetStream js;
    private static final AtomicInteger STREAMS = new AtomicInteger();
    private String name;

    @BeforeEach
    void start() throws Exception {
        started = new StartedAdapter(NATS.server().url(), 8);
        client = Nats.connect(NATS.server().url());
        jsm = client.jetStreamManagement();
        js = client.jetStream();
        name = "PF" + STREAMS.incrementAndGet();
        jsm.addStream(StreamConfiguration.builder().name(name).subjects(name + ".in").build());
        jsm.addStream(StreamConfiguration.builder().name(name + "DLQ").subjects(name + ".dlq").build());
    }

    @AfterEach
    void stop() throws Exception {
        started.close();
        client.close();
    }

    private NatsActivationSpec spec(boolean deadLetters) {
        NatsActivationSpec s = Specs.of(name + ".in", name, name + "-worker");
        if (deadLetters) {
            s.setDeadLetterSubject(name + ".dlq");
        }
        s.setMaxDeliver("5");
        return s;
    }

    private long deadLetters() {
        try {
            return jsm.getStreamInfo(name + "DLQ").getStreamState().getMsgCount();
        } catch (Exception e) {
            return -1;
        }
    }

    private void awaitSettled() {
        Await.until(WAIT, "consumer settled", () -> {
            try {
                ConsumerInfo ci = jsm.getConsumerInfo(name, name + "-worker");
                return ci.getNumPending() == 0 && ci.getNumAckPending() == 0;
            } catch (Exception e) {
                return false;
            }
        });
    }

    private NatsActivationStatus status() {
        return started.adapter().monitoring().snapshot().activations().get(0);
    }

    /** Activates a bean that fails every delivery with what {@code failure} makes; publishes one message. */
    private AtomicInteger failingWith(NatsActivationSpec spec, Supplier<RuntimeException> failure) throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        started.adapter().endpointActivation(new TestEndpointFactory("permanent", m -> {
            attempts.incrementAndGet();
            throw failure.get();
        }), spec);
        js.publish(name + ".in", "order-1".getBytes(StandardCharsets.UTF_8));
        return attempts;
    }

    @Test
    void thePermanentFailureExceptionDeadLettersAfterOneAttempt() throws Exception {
        AtomicInteger attempts = failingWith(spec(true),
                () -> new NatsPermanentFailureException("order type 'barter' is not one we know"));
        Await.until(WAIT, "the dead letter", () -> deadLetters() == 1);
        awaitSettled();
        assertEquals(1, attempts.get(), "a permanent failure is not retried");
        MessageInfo dead = jsm.getMessage(name + "DLQ", 1);
        assertEquals("1", dead.getHeaders().getFirst(NatsHeaders.DEAD_LETTER_DELIVERIES));
        assertTrue(dead.getHeaders().getFirst(NatsHeaders.DEAD_LETTER_REASON).contains("'barter'"),
                dead.getHeaders().getFirst(NatsHeaders.DEAD_LETTER_REASON));
        assertEquals(1, status().deadLettered());
    }

    @Test
    void anAnnotatedTypeDeepInTheCauseChainIsFoundAsTheContainerWrapsIt() throws Exception {
        // As a container wraps a system exception: EJBException(cause), inside another wrapper.
        AtomicInteger attempts = failingWith(spec(true), () -> new IllegalStateException("EJBException",
                new RuntimeException("wrapper", new UnknownRefundType("refund type 'gift' unknown"))));
        Await.until(WAIT, "the dead letter", () -> deadLetters() == 1);
        awaitSettled();
        assertEquals(1, attempts.get());
    }

    @Test
    void aTypeListedInPermanentFailuresIsPermanentToo() throws Exception {
        NatsActivationSpec s = spec(true);
        s.setPermanentFailures(" java.lang.NumberFormatException , com.example.NeverThrown");
        AtomicInteger attempts = failingWith(s, () -> new IllegalStateException("wrapped",
                new NumberFormatException("For input string: \"x\"")));
        Await.until(WAIT, "the dead letter", () -> deadLetters() == 1);
        awaitSettled();
        assertEquals(1, attempts.get());
    }

    @Test
    void anyOtherFailureIsStillRetriedMaxDeliverTimes() throws Exception {
        NatsActivationSpec s = spec(true);
        s.setPermanentFailures("java.lang.NumberFormatException");
        AtomicInteger attempts = failingWith(s, () -> new IllegalStateException("the database is down"));
        Await.until(WAIT, "the dead letter", () -> deadLetters() == 1);
        awaitSettled();
        assertEquals(5, attempts.get(), "a transient failure gets every attempt");
    }

    @Test
    void withoutADeadLetterSubjectAPermanentFailureIsTerminatedAfterOneAttempt() throws Exception {
        AtomicInteger attempts = failingWith(spec(false), () -> new UnknownOrderType("unknown"));
        Await.until(WAIT, "terminated", () -> status().terminated() == 1);
        awaitSettled();
        assertEquals(1, attempts.get());
    }

    @Test
    void aTransactedDeliveryThatRollsBackWithAPermanentCauseIsDeadLetteredAtOnce() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        TestEndpointFactory factory = new TestEndpointFactory("permanent-tx", m -> {
            attempts.incrementAndGet();
            throw new UnknownOrderType("unknown");
        });
        factory.transacted(m -> true);
        started.adapter().endpointActivation(factory, spec(true));
        js.publish(name + ".in", "order-1".getBytes(StandardCharsets.UTF_8));
        Await.until(WAIT, "the dead letter", () -> deadLetters() == 1);
        awaitSettled();
        assertEquals(1, attempts.get());
    }

    @Test
    void aMalformedTypeNameFailsTheDeploymentNamingIt() {
        NatsActivationSpec s = spec(true);
        s.setPermanentFailures("com.example.Good, not a class");
        InvalidPropertyException e = assertThrows(InvalidPropertyException.class, s::validate);
        assertTrue(e.getMessage().contains("'permanentFailures'") && e.getMessage().contains("'not a class'"),
                e.getMessage());
        s.setPermanentFailures("com.example.Good, java.lang.RuntimeException");
        InvalidPropertyException broad = assertThrows(InvalidPropertyException.class, s::validate);
        assertTrue(broad.getMessage().contains("every failure permanent"), broad.getMessage());
        NatsActivationSpec core = Specs.of("orders", null, null);
        core.setPermanentFailures("com.example.X");
        InvalidPropertyException c = assertThrows(InvalidPropertyException.class, core::validate);
        assertTrue(c.getMessage().contains("'permanentFailures'") && c.getMessage().contains("JetStream only"),
                c.getMessage());
    }
}
