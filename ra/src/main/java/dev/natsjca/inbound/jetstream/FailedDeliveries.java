package dev.natsjca.inbound.jetstream;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.function.Supplier;

import dev.natsjca.monitoring.ActivationMonitor;
import dev.natsjca.monitoring.Tracing;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.Message;
import io.nats.client.PublishOptions;
import io.nats.client.impl.Headers;

/**
 * What happens to a JetStream message whose delivery failed (threw, or rolled back): a permanent
 * failure ({@link PermanentFailures}) goes straight to the dead letter (or {@code term()}); below
 * {@code maxDeliver} deliveries (the server's count) a nak with the backoff delay for that count;
 * from there on a dead letter ({@link DeadLetters}) and then {@code term()}, or, without a
 * dead-letter subject, {@code term()} and a WARNING. A dead letter that cannot be stored never ends
 * its message: it comes back after a delay and is dead-lettered then.
 */
final class FailedDeliveries {

    private static final System.Logger LOG = System.getLogger(dev.natsjca.inbound.EndpointActivation.class.getName());
    /** How long publishing a dead letter may take. */
    private static final Duration DEAD_LETTER_TIMEOUT = Duration.ofSeconds(10);
    /** The shortest pause before a message whose dead letter could not be stored comes back. */
    static final Duration DEAD_LETTER_RETRY_MIN = Duration.ofSeconds(2);
    /** The dead-letter stream refused the message as too big for it. */
    private static final int MESSAGE_TOO_BIG = 10054;

    private final JetStreamSettings js;
    private final String owner;
    private final ActivationMonitor monitor;
    private final Tracing tracing;
    private final Supplier<Connection> connection;
    private final Supplier<JetStream> jetStream;
    private volatile boolean deadLetterFailing;
    private final PermanentFailures permanent;

    /**
     * @param owner names the activation in logs
     * @param connection the activation's connection now (its {@code max_payload} bounds a dead letter)
     * @param jetStream the activation's JetStream context now
     */
    FailedDeliveries(JetStreamSettings js, String owner, ActivationMonitor monitor, Tracing tracing,
                     Supplier<Connection> connection, Supplier<JetStream> jetStream) {
        this.js = js;
        this.owner = owner;
        this.monitor = monitor;
        this.tracing = tracing;
        this.connection = connection;
        this.jetStream = jetStream;
        this.permanent = new PermanentFailures(js.permanentFailures());
    }

    /** @return whether the message ended (dead-lettered or terminated) rather than coming back */
    boolean settle(Message message, Throwable failure) {
        long deliveries = message.metaData().deliveredCount();
        long sequence = message.metaData().streamSequence();
        Throwable permanentCause = permanent.find(failure);
        if (permanentCause != null) {
            LOG.log(Level.DEBUG, "{0}: delivery {1} of stream sequence {2} failed permanently ({3}); not retried",
                    owner, deliveries, sequence, permanentCause.getClass().getName());
        } else if (deliveries < js.maxDeliver()) {
            Duration delay = js.backoffFor(deliveries);
            LOG.log(Level.DEBUG, "{0}: delivery {1} of stream sequence {2} failed ({3}); redelivery in {4}",
                    owner, deliveries, sequence, failure, delay);
            if (delay.isZero()) {
                message.nak();
            } else {
                message.nakWithDelay(delay);
            }
            tracing.event("nak", "messaging.nats.redelivery_delay", delay.toString());
            return false;
        }
        if (js.deadLetterSubject() == null) {
            LOG.log(Level.WARNING, owner + ": stream sequence " + sequence + " failed " + (permanentCause != null
                    ? "permanently" : deliveries + " times") + "; terminated (no deadLetterSubject): "
                    + DeadLetters.reason(failure), failure);
            message.term();
            monitor.terminated();
            tracing.event("terminated", "messaging.nats.reason", (permanentCause != null ? "permanent failure"
                    : "maxDeliver reached") + ", no deadLetterSubject");
            return true;
        }
        try {
            publishDeadLetter(message, deliveries, failure);
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            // Never end a message whose dead letter was not stored; never leave it waiting either.
            Duration retry = js.backoffFor(deliveries).compareTo(DEAD_LETTER_RETRY_MIN) > 0 ? js.backoffFor(deliveries)
                    : DEAD_LETTER_RETRY_MIN;
            String text = owner + ": could not dead-letter stream sequence " + sequence + " to '"
                    + js.deadLetterSubject() + "' (" + e + "); it is redelivered in " + retry
                    + " and dead-lettered then if it fails again";
            if (deadLetterFailing) {
                LOG.log(Level.WARNING, text);
            } else {
                deadLetterFailing = true;
                LOG.log(Level.ERROR, text, e);
            }
            message.nakWithDelay(retry);
            return false;
        }
        deadLetterFailing = false;
        message.term();
        monitor.deadLettered();
        tracing.event("dead_letter", "messaging.nats.dead_letter_subject", js.deadLetterSubject());
        LOG.log(Level.WARNING, "{0}: stream sequence {1} failed {2}; moved to {3}: {4}", owner, sequence,
                permanentCause != null ? "permanently (delivery " + deliveries + ")" : deliveries + " times",
                js.deadLetterSubject(), DeadLetters.reason(failure));
        return true;
    }

    /**
     * Publishes the dead letter, made to fit: when it would exceed the server's {@code max_payload}
     * (the headers it adds on top of the original), or the dead-letter stream refuses it as too
     * big for its {@code max_msg_size}, it goes without the original's data (header
     * {@code Dead-Letter-Data-Omitted} gives its length; the original stays in its stream, at
     * {@code Dead-Letter-Sequence}).
     */
    private void publishDeadLetter(Message message, long deliveries, Throwable failure)
            throws IOException, JetStreamApiException {
        Headers headers = DeadLetters.headersFor(message, js.stream(), deliveries, failure);
        byte[] data = message.getData() == null ? new byte[0] : message.getData();
        Connection c = connection.get();
        long max = c == null ? -1 : c.getMaxPayload();
        if (max > 0 && data.length + headers.serializedLength() > max) {
            data = DeadLetters.omitData(headers, data);
        }
        PublishOptions options = PublishOptions.builder().streamTimeout(DEAD_LETTER_TIMEOUT).build();
        JetStream publisher = jetStream.get();
        try {
            publisher.publish(js.deadLetterSubject(), headers, data, options);
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() != MESSAGE_TOO_BIG || data.length == 0) {
                throw e;
            }
            publisher.publish(js.deadLetterSubject(), headers, DeadLetters.omitData(headers, data), options);
        }
    }
}
