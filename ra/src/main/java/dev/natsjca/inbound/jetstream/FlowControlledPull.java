package dev.natsjca.inbound.jetstream;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;

import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.MessageHandler;
import io.nats.client.PullRequestOptions;
import io.nats.client.PullSubscribeOptions;

/**
 * A pull subscription on one consumer that asks the server only for what the activation can
 * take: at most {@code capacity} messages received and not yet settled, in pulls of at most
 * {@code batchSize}, one pull in flight at a time. So messages never pile up in the client
 * beyond the activation's hand-off and workers, the dispatcher thread never waits for a worker,
 * and a message waits for at most the batch ahead of it, well inside {@code ackWait}.
 *
 * <p>jnats' own consume loop is not used for this: it pulls whenever the handler returns, and
 * when no message or heartbeat arrives for three heartbeat intervals (a slow bean holding the
 * dispatcher is enough) it subscribes anew, and its dispatcher drops what the old subscription
 * still queued: those messages would wait for {@code ackWait}. Here nothing is ever dropped, and
 * a pull that died (a server restart) is replaced when its heartbeats stop, when its expiry has
 * passed without news ({@link #watch()}), or when the server reports it ended.
 *
 * <p>Thread-safe; a pull is a non-blocking publish, so any thread may trigger one.
 */
final class FlowControlledPull {

    private static final System.Logger LOG = System.getLogger(FlowControlledPull.class.getName());
    /** A pull with no news this long after its expiry is taken for dead. */
    private static final long EXPIRY_GRACE_NANOS = Duration.ofSeconds(2).toNanos();

    private final Connection connection;
    private final Dispatcher dispatcher;
    private final MessageHandler downstream;
    private final int capacity;
    private final int batchSize;
    private final Duration expires;
    private final String owner;
    private volatile JetStreamSubscription sub;

    // Guarded by this.
    /** Asked for by the pull in flight and not arrived yet; 0 when no pull is in flight. */
    private int requested;
    /** Arrived and not yet released. */
    private int held;
    private long pullSentNanos;
    private boolean stopped;

    private FlowControlledPull(Connection connection, MessageHandler downstream, int capacity, int batchSize,
                               Duration expires, String owner) {
        this.connection = connection;
        this.dispatcher = connection.createDispatcher();
        this.downstream = downstream;
        this.capacity = capacity;
        this.batchSize = batchSize;
        this.expires = expires;
        this.owner = owner;
    }

    /**
     * Binds to the consumer and sends the first pull.
     *
     * @param capacity messages the activation can hold at once (hand-off plus workers)
     * @param expires how long one pull waits at the server; heartbeats come every half of it
     * @param owner names the activation in logs
     */
    static FlowControlledPull start(Connection connection, JetStream jetStream, String stream, String consumer,
                                    MessageHandler downstream, int capacity, int batchSize, Duration expires,
                                    String owner) throws IOException, JetStreamApiException {
        FlowControlledPull p = new FlowControlledPull(connection, downstream, capacity, batchSize, expires, owner);
        try {
            p.sub = jetStream.subscribe(null, p.dispatcher, p::arrived, PullSubscribeOptions.fastBind(stream, consumer));
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            connection.closeDispatcher(p.dispatcher);
            throw e;
        }
        p.pullIfRoom();
        return p;
    }

    /** On the dispatcher thread: one message of the pull in flight. */
    private void arrived(Message message) throws InterruptedException {
        synchronized (this) {
            if (requested > 0) {
                requested--;
            }
            held++;
        }
        downstream.onMessage(message);
        synchronized (this) {
            if (requested == 0) {
                pullIfRoom();
            }
        }
    }

    /** A message left the activation's hands (settled, or given back): room for one more. */
    synchronized void released() {
        if (held > 0) {
            held--;
        }
        if (requested == 0) {
            pullIfRoom();
        }
    }

    /** The server says the pull in flight ended (expired, nothing more, or refused): pull again when there is room. */
    synchronized void pullEnded() {
        requested = 0;
        pullIfRoom();
    }

    /** @return whether a pull is in flight (its heartbeats are awaited) */
    synchronized boolean pulling() {
        return requested > 0;
    }

    /**
     * Called periodically: a pull whose expiry has passed without the server saying so (its
     * status lost with a connection) is taken for ended.
     */
    synchronized void watch() {
        if (requested > 0 && System.nanoTime() - pullSentNanos > expires.toNanos() + EXPIRY_GRACE_NANOS) {
            LOG.log(Level.DEBUG, "{0}: pull of {1} ended without news; pulling again", owner, requested);
            pullEnded();
        }
    }

    private void pullIfRoom() {
        int n = Math.min(batchSize, capacity - held);
        if (stopped || n <= 0 || connection.getStatus() == Connection.Status.CLOSED) {
            return;
        }
        try {
            sub.pull(PullRequestOptions.builder(n).expiresIn(expires).idleHeartbeat(expires.dividedBy(2)).build());
            requested = n;
            pullSentNanos = System.nanoTime();
        } catch (RuntimeException e) {
            // E.g. the subscription closed under us: the next trigger (watch, heartbeat) tries again.
            LOG.log(Level.DEBUG, "{0}: pull not sent: {1}", owner, e.toString());
        }
    }

    /**
     * No more pulls; what the dispatcher already queued still reaches the handler (which gives it
     * back while the activation stops), then the subscription ends at the server.
     *
     * @param flush how long the unsubscribe may take to reach the server
     */
    void stop(Duration flush) {
        synchronized (this) {
            stopped = true;
        }
        try {
            if (dispatcher.isActive() && connection.getStatus() == Connection.Status.CONNECTED) {
                dispatcher.drain(flush);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.log(Level.DEBUG, "{0}: draining the pull: {1}", owner, e.toString());
        }
    }

    /** Ends the subscription at once (its consumer is gone anyway). */
    void close() {
        synchronized (this) {
            stopped = true;
        }
        try {
            if (dispatcher.isActive()) {
                connection.closeDispatcher(dispatcher);
            }
        } catch (RuntimeException e) {
            LOG.log(Level.DEBUG, "{0}: closing the pull: {1}", owner, e.toString());
        }
    }
}
