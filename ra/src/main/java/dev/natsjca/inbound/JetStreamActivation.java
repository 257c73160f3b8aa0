package dev.natsjca.inbound;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Timer;

import dev.natsjca.api.NatsHeaders;
import dev.natsjca.config.ConnectionSettings;
import io.nats.client.Connection;
import io.nats.client.ConsumeOptions;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.Message;
import io.nats.client.MessageConsumer;
import io.nats.client.MessageHandler;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.impl.Headers;
import jakarta.resource.ResourceException;
import jakarta.resource.spi.endpoint.MessageEndpointFactory;
import jakarta.resource.spi.work.WorkManager;

/**
 * An activation on a JetStream consumer (durable or ephemeral), consumed by pull through jnats'
 * consumer context: bounded batches, pull requests that expire with idle heartbeats, so a consumer
 * that stalls after a reconnect is re-established by jnats.
 *
 * <p>At-least-once: a message is acked after {@code onMessage} returns; when it throws, the
 * message is nak'ed with the backoff delay for its delivery count (a plain nak would redeliver at
 * once; the consumer's own backoff applies only to ack timeouts); on the {@code maxDeliver}-th
 * failure it is published to the dead-letter subject (original data and headers plus
 * {@code Dead-Letter-*} headers) and terminated. Messages that arrive while stopping are nak'ed.
 * A durable consumer is never deleted.
 */
final class JetStreamActivation extends EndpointActivation {

    /**
     * Pull requests expire after this. jnats asks for idle heartbeats every half of it and, after
     * three missed ones, re-subscribes and pulls again: a consumer whose pull request died (server
     * restart, lost route) resumes within 1.5 x this, instead of waiting silently forever.
     */
    private static final long PULL_EXPIRES_MILLIS = 10_000;
    /** How long publishing a dead letter may take. */
    private static final Duration DEAD_LETTER_TIMEOUT = Duration.ofSeconds(10);
    /** Longest failure reason carried in a dead letter's header. */
    static final int MAX_REASON = 1024;
    /** JetStream API error: stream not found. */
    private static final int STREAM_NOT_FOUND = 10059;

    private final JetStreamSettings js;
    private volatile MessageConsumer consumer;
    private volatile JetStream jetStream;

    JetStreamActivation(MessageEndpointFactory endpointFactory, ResolvedActivation spec, ConnectionSettings settings,
                        WorkManager workManager, Timer timer) throws ResourceException {
        // One pull batch at most waits for a worker, on top of the batch jnats holds: every waiting
        // message is unacknowledged, so the wait must stay well inside ackWait.
        super(endpointFactory, spec, settings, workManager, timer, spec.jetStream().batchSize());
        this.js = spec.jetStream();
    }

    @Override
    void consume(Connection connection, MessageHandler handler) throws IOException {
        try {
            JetStreamManagement jsm = connection.jetStreamManagement();
            ensureStream(jsm);
            if (js.deadLetterSubject() != null && jsm.getStreamNames(js.deadLetterSubject()).isEmpty()) {
                throw new IOException("Invalid value for property 'deadLetterSubject': '" + js.deadLetterSubject()
                        + "': no stream stores that subject, so dead letters would be lost");
            }
            jetStream = connection.jetStream();
            consumer = connection.getStreamContext(js.stream())
                    .createOrUpdateConsumer(js.consumerConfiguration(spec.subject()))
                    .consume(ConsumeOptions.builder().batchSize(js.batchSize()).expiresIn(PULL_EXPIRES_MILLIS).build(),
                            handler);
        } catch (JetStreamApiException e) {
            throw new IOException("JetStream refused the consumer for stream '" + js.stream() + "'"
                    + (js.durable() == null ? "" : ", durable '" + js.durable() + "'") + ": " + e.getErrorDescription()
                    + " (error " + e.getApiErrorCode() + "; an existing durable with different immutable settings "
                    + "must be deleted or renamed)", e);
        }
    }

    private void ensureStream(JetStreamManagement jsm) throws IOException, JetStreamApiException {
        try {
            jsm.getStreamInfo(js.stream());
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() != STREAM_NOT_FOUND) {
                throw e;
            }
            if (!js.createStream()) {
                throw new IOException("Invalid value for property 'stream': '" + js.stream()
                        + "': no such stream on the server (set createStream=true and streamSubjects to create it)", e);
            }
            jsm.addStream(StreamConfiguration.builder().name(js.stream()).subjects(js.streamSubjects())
                    .storageType(StorageType.File).build());
            LOG.log(Level.INFO, "NATS endpoint on {0}: created stream {1} for {2}", spec.describe(), js.stream(),
                    js.streamSubjects());
        }
    }

    /**
     * @return the failure as a dead letter reports it: every exception of the cause chain with its
     *         message, outermost first (containers wrap: Payara an MDB's exception in an
     *         EJBException, and a parse error is an adapter message around protobuf's own), a
     *         wrapper's message left out when it only repeats its cause's; at most
     *         {@value #MAX_REASON} characters
     */
    static String reason(Throwable failure) {
        StringBuilder sb = new StringBuilder();
        java.util.Set<Throwable> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (Throwable t = failure; t != null && seen.add(t); t = t.getCause()) {
            if (sb.length() > 0) {
                sb.append("; caused by ");
            }
            sb.append(t.getClass().getName());
            String message = t.getMessage();
            Throwable cause = t.getCause();
            if (message != null && (cause == null
                    || !message.equals(cause.toString()) && !message.equals(cause.getMessage()))) {
                sb.append(": ").append(message);
            }
        }
        String reason = sb.toString().replace('\r', ' ').replace('\n', ' ');
        return reason.length() <= MAX_REASON ? reason : reason.substring(0, MAX_REASON - 3) + "...";
    }

    @Override
    void stopConsuming() {
        MessageConsumer c = consumer;
        if (c != null) {
            c.stop(); // no new pull requests; the durable stays
        }
    }

    @Override
    boolean settlesInTransaction() {
        return true;
    }

    @Override
    void notTaken(Message message) {
        message.nak(); // redelivered to whoever consumes next
    }

    @Override
    void delivered(Message message) {
        message.ack();
    }

    @Override
    void failed(Message message, Throwable failure) {
        long deliveries = message.metaData().deliveredCount();
        if (deliveries < js.maxDeliver()) {
            Duration delay = js.backoffFor(deliveries);
            LOG.log(Level.DEBUG, "NATS endpoint on {0}: delivery {1} of stream sequence {2} failed ({3}); redelivery in {4}",
                    spec.describe(), deliveries, message.metaData().streamSequence(), failure, delay);
            if (delay.isZero()) {
                message.nak();
            } else {
                message.nakWithDelay(delay);
            }
            return;
        }
        String reason = reason(failure);
        if (js.deadLetterSubject() == null) {
            LOG.log(Level.WARNING, "NATS endpoint on " + spec.describe() + ": stream sequence "
                    + message.metaData().streamSequence() + " failed " + deliveries + " times; terminated "
                    + "(no deadLetterSubject): " + reason, failure);
            message.term();
            return;
        }
        try {
            Headers h = message.getHeaders() == null ? new Headers() : new Headers(message.getHeaders());
            h.put(NatsHeaders.DEAD_LETTER_SUBJECT, message.getSubject())
                    .put(NatsHeaders.DEAD_LETTER_STREAM, js.stream())
                    .put(NatsHeaders.DEAD_LETTER_SEQUENCE, Long.toString(message.metaData().streamSequence()))
                    .put(NatsHeaders.DEAD_LETTER_DELIVERIES, Long.toString(deliveries))
                    .put(NatsHeaders.DEAD_LETTER_REASON, reason);
            h.remove("Nats-Msg-Id");
            h.put("Nats-Msg-Id", "dlq-" + js.stream() + "-" + message.metaData().streamSequence());
            jetStream.publish(js.deadLetterSubject(), h, message.getData(),
                    io.nats.client.PublishOptions.builder().streamTimeout(DEAD_LETTER_TIMEOUT).build());
            message.term();
            LOG.log(Level.WARNING, "NATS endpoint on {0}: stream sequence {1} failed {2} times; moved to {3}: {4}",
                    spec.describe(), message.metaData().streamSequence(), deliveries, js.deadLetterSubject(), reason);
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            // Never terminate a message whose dead letter was not stored: leave it unacknowledged.
            LOG.log(Level.ERROR, "NATS endpoint on " + spec.describe() + ": could not dead-letter stream sequence "
                    + message.metaData().streamSequence() + " to '" + js.deadLetterSubject()
                    + "'; it stays unacknowledged in the stream", e);
        }
    }
}
