package dev.natsjca.inbound.core;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Timer;
import java.util.concurrent.atomic.AtomicLong;

import dev.natsjca.config.ConnectionSettings;
import dev.natsjca.inbound.DeliveredMessage;
import dev.natsjca.inbound.EndpointActivation;
import dev.natsjca.inbound.ResolvedActivation;
import dev.natsjca.monitoring.ActivationMonitor;
import dev.natsjca.monitoring.Stall;
import dev.natsjca.monitoring.Tracing;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import io.nats.client.MessageHandler;
import jakarta.resource.ResourceException;
import jakarta.resource.spi.endpoint.MessageEndpointFactory;
import jakarta.resource.spi.work.WorkManager;

/**
 * An activation on a core NATS subject, in a queue group when configured. Core NATS is
 * at-most-once: a message whose delivery fails is logged and gone, and when the bean falls so far
 * behind that {@code maxPending} messages wait in the client, newer ones are dropped: counted
 * ({@link #droppedMessages()}), warned about when it starts, and totalled at deactivation.
 */
public class CoreSubscriptionActivation extends EndpointActivation {

    /** jnats' default byte bound, kept: {@code maxPending} is the limit users tune. */
    private static final long MAX_PENDING_BYTES = 64L * 1024 * 1024;

    /** The slow-consumer warning repeats at most this often. */
    private static final Duration WARNING_INTERVAL = Duration.ofSeconds(10);

    private volatile Dispatcher dispatcher;
    /** When a snapshot first found the subscription ended; 0 until then. */
    private volatile long subscriptionEndedNanos;
    private final AtomicLong lastWarning = new AtomicLong();
    /** Received but not delivered because the activation stopped: gone, core NATS being at-most-once. */
    private final AtomicLong notDelivered = new AtomicLong();

    /**
     * @param endpointFactory the server's factory for the message-driven bean's endpoints
     * @param spec the validated activation properties (no JetStream settings)
     * @param settings the connection settings of this activation
     * @param workManager the adapter's work manager
     * @param timer the adapter's timer
     * @param monitor where the activation reports its state and counts
     * @param tracing trace context for deliveries
     * @throws ResourceException when the endpoint does not implement the listener interface
     */
    public CoreSubscriptionActivation(MessageEndpointFactory endpointFactory, ResolvedActivation spec,
                                      ConnectionSettings settings, WorkManager workManager, Timer timer,
                                      ActivationMonitor monitor, Tracing tracing)
            throws ResourceException {
        super(endpointFactory, spec, settings, workManager, timer,
                Math.max(coreHandOffCapacity(spec.maxConcurrency()), spec.messagesPerDelivery()), monitor, tracing);
    }

    /** A subscription that ended under a consuming activation (closed by the client) receives nothing. */
    @Override
    protected Stall consumerStall() {
        Dispatcher d = dispatcher;
        Connection c = connection();
        if (d != null && !d.isActive() && c != null && c.getStatus() == Connection.Status.CONNECTED) {
            return new Stall("the subscription ended", stallSeen(), false);
        }
        return null;
    }

    private long stallSeen() {
        long seen = subscriptionEndedNanos;
        if (seen == 0) {
            seen = System.nanoTime();
            subscriptionEndedNanos = seen;
        }
        return seen;
    }

    /**
     * @return whether {@code m} is an atomic batch's control message, which a core subscription on
     *         a stream's subject receives too: an end-of-batch marker (the stream stores nothing
     *         of it) or the abort the adapter sends at rollback. Neither is a message of the
     *         application's; delivering them would hand the bean empty messages.
     */
    static boolean batchControl(Message m) {
        io.nats.client.impl.Headers h = m.getHeaders();
        return h != null && ("eob".equals(h.getFirst(io.nats.client.support.NatsJetStreamConstants.NATS_BATCH_COMMIT_HDR))
                || h.containsKey(dev.natsjca.api.NatsHeaders.BATCH_ABORT));
    }

    /**
     * @return the hand-off queue of a core activation with {@code maxConcurrency} workers: room for
     *         a burst, so workers drain it without parking after each message
     */
    public static int coreHandOffCapacity(int maxConcurrency) {
        return Math.min(1024, 64 * maxConcurrency);
    }

    @Override
    protected void consume(Connection connection, MessageHandler handler) {
        Dispatcher d = connection.createDispatcher(m -> {
            if (!batchControl(m)) {
                handler.onMessage(m);
            }
        });
        d.setPendingLimits(spec.maxPending(), MAX_PENDING_BYTES);
        dispatcher = d;
        if (spec.queueGroup() == null) {
            spec.subjects().forEach(d::subscribe);
        } else {
            spec.subjects().forEach(s -> d.subscribe(s, spec.queueGroup()));
        }
    }

    /** Unsubscribes; what the client already queued still reaches {@link #notTaken}, to be counted. */
    @Override
    protected void stopConsuming(Duration flush) {
        Dispatcher d = dispatcher;
        Connection c = connection();
        if (d == null || !d.isActive() || c == null) {
            return;
        }
        try {
            if (c.getStatus() == Connection.Status.CONNECTED) {
                d.drain(flush);
            } else {
                c.closeDispatcher(d);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    protected long notDeliveredAtStop() {
        return notDelivered.get();
    }

    /** @return messages the client dropped because {@code maxPending} were already waiting */
    @Override
    public long droppedMessages() {
        Dispatcher d = dispatcher;
        return d == null ? 0 : d.getDroppedCount();
    }

    @Override
    protected void slowConsumer() {
        // jnats reports every episode, and under sustained overload episodes follow each other
        // closely: warn at most once per interval (the count keeps every drop).
        long now = System.nanoTime();
        long last = lastWarning.get();
        if (last != 0 && now - last < WARNING_INTERVAL.toNanos() || !lastWarning.compareAndSet(last, now)) {
            return;
        }
        LOG.log(Level.WARNING, "NATS endpoint on {0}: the message-driven bean falls behind: {1} messages wait for "
                + "a delivery (maxPending), so the client drops newer ones until it catches up ({2} dropped so far). "
                + "Core NATS is at-most-once; raise maxConcurrency or maxPending, or consume from JetStream",
                describe(), spec.maxPending(), droppedMessages());
    }

    @Override
    protected boolean settlesInTransaction() {
        return false;
    }

    @Override
    protected void notTaken(Message message) {
        notDelivered.incrementAndGet();
    }

    @Override
    protected void delivered(DeliveredMessage delivery) {
    }

    @Override
    protected void failed(DeliveredMessage delivery, Throwable failure) {
        LOG.log(Level.WARNING, "NATS endpoint on " + describe() + " failed on a message on subject '"
                + delivery.subject() + "'; core NATS is at-most-once, the message is not redelivered", failure);
    }
}
