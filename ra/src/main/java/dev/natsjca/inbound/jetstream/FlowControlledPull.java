package dev.natsjca.inbound.jetstream;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.MessageHandler;
import io.nats.client.PullRequestOptions;
import io.nats.client.PullSubscribeOptions;
import io.nats.client.support.Status;
import dev.natsjca.monitoring.ActivationMonitor;
import dev.natsjca.monitoring.Stall;

/**
 * A pull subscription on one consumer that asks the server only for what the activation can
 * take: messages received and not yet released plus messages asked for never exceed
 * {@code capacity}; pulls ask for at most {@code batchSize}, and while messages are held for
 * at least half of it. So messages never pile up in the
 * client beyond the activation's hand-off and workers, the dispatcher thread never waits long
 * for a worker, and a message waits for at most {@code capacity} messages ahead of it.
 *
 * <p>jnats' own consume loop is not used for this: it pulls whenever the handler returns, and
 * when no message or heartbeat arrives for three heartbeat intervals (a slow bean holding the
 * dispatcher is enough) it subscribes anew, and its dispatcher drops what the old subscription
 * still queued: those messages would wait for {@code ackWait}.
 *
 * <p>Here each subscription (its own inbox and dispatcher) has at most one pull in flight. When
 * that pull's fate is unknown (after a reconnect it may have survived or not; its heartbeats
 * stopped; its expiry passed without news) it is cancelled: a fresh inbox takes over at once,
 * and the old one is drained (unsubscribed at the server, and what the server sent before that
 * delivered as usual), its pull counted against the capacity until the drain is over. So a
 * surviving pull never adds to a new one, and nothing it sent is dropped.
 *
 * <p>Thread-safe. A pull is a non-blocking publish, so any thread may trigger one; draining an
 * inbox waits for the server and runs on the connection's executor.
 */
final class FlowControlledPull {

    private static final System.Logger LOG = System.getLogger(FlowControlledPull.class.getName());
    /** A pull with no news this long after its expiry is taken for dead. */
    private static final long EXPIRY_GRACE_NANOS = Duration.ofSeconds(2).toNanos();
    /**
     * Shortest time the drain of a cancelled inbox may take. It takes as long as the dispatcher
     * needs for what it had queued (a busy activation may hold it for a while), up to the ack
     * wait: past that the server redelivers those messages anyway, and jnats then ends the
     * dispatcher, dropping what is left.
     */
    private static final Duration CANCEL_TIMEOUT = Duration.ofSeconds(5);
    /**
     * With no pull for this long, one goes out even if smaller than the refill threshold: the
     * server deletes an ephemeral consumer that no pull reached for its inactive threshold.
     */
    private static final long KEEP_ALIVE_NANOS = Duration.ofSeconds(20).toNanos();
    /**
     * @return the idle heartbeat of a pull that waits {@code expires}: a fifth of it, so that a pull
     *         the server lost without a word (its consumer's leader died with a node of the
     *         cluster) is noticed within three of them, in seconds
     */
    static Duration heartbeat(Duration expires) {
        return expires.dividedBy(5);
    }

    /** Silent or refused for this long, a pull makes its activation STALLED (readiness down). */
    private static final long STALL_NANOS = Duration.ofSeconds(15).toNanos();

    /** jnats raises a heartbeat alarm after this many heartbeat intervals without news. */
    private static final int HEARTBEAT_ALARM_INTERVALS = 3;

    private final Connection connection;
    private final JetStream jetStream;
    private final String stream;
    private final String consumer;
    private final MessageHandler downstream;
    private final int capacity;
    private final int batchSize;
    /** While messages are held, no pull for fewer than this (half a batch). */
    private final int refillThreshold;
    private final Duration expires;
    private final Duration drainTimeout;
    private final long alarmNanos;
    private final String owner;
    /** Messages received and not yet released; shared with the activation, it outlives this pull. */
    private final AtomicInteger held;
    private final ActivationMonitor monitor;

    // Guarded by this.
    private Inbox current;
    /** Cancelled inboxes still draining: what their pulls asked for may still come. */
    private final List<Inbox> draining = new ArrayList<>();
    /** The server refused a pull (limits, no responders): the next waits for {@link #watch()}. */
    private boolean paused;
    private boolean refusalLogged;
    /** A 503 was logged since the last pull the server took. */
    private boolean electionLogged;
    /** 503 "no responders" to a pull: nobody leads the consumer right now. */
    private static final int NO_RESPONDERS = 503;
    /** No responders for longer than this is a fault, not an election. */
    private static final long LASTING_NANOS = Duration.ofSeconds(10).toNanos();
    private boolean stopped;
    private long lastPullNanos = System.nanoTime();
    /**
     * Since when the server has said nothing while a pull waits for it: the last message or status
     * that is not a refusal, or the sending of a pull when none was in flight (the time before was
     * the activation's, busy with what it held, not the server's).
     */
    private long lastNewsNanos = lastPullNanos;
    /** The last refusal of a pull, for the status. */
    private String lastRefusal;
    /** {@link System#nanoTime()} of the first refusal since the last news; 0 when none. */
    private long refusedSinceNanos;

    /** One subscription with its own inbox and dispatcher; at most one pull in flight on it. */
    private final class Inbox {
        final Dispatcher dispatcher = connection.createDispatcher();
        JetStreamSubscription sub;
        /** Asked for by the pull in flight and not arrived yet; 0 when no pull is in flight. */
        int requested;
        long sentNanos;
    }

    private FlowControlledPull(Connection connection, JetStream jetStream, String stream, String consumer,
                               MessageHandler downstream, int capacity, int batchSize, Duration expires,
                               Duration ackWait, AtomicInteger held, ActivationMonitor monitor, String owner) {
        this.monitor = monitor;
        this.connection = connection;
        this.jetStream = jetStream;
        this.stream = stream;
        this.consumer = consumer;
        this.downstream = downstream;
        this.capacity = capacity;
        this.batchSize = batchSize;
        this.refillThreshold = Math.max(1, batchSize / 2);
        this.expires = expires;
        this.drainTimeout = ackWait.compareTo(CANCEL_TIMEOUT) > 0 ? ackWait : CANCEL_TIMEOUT;
        this.alarmNanos = heartbeat(expires).toNanos() * HEARTBEAT_ALARM_INTERVALS;
        this.held = held;
        this.owner = owner;
    }

    /**
     * Binds to the consumer and sends the first pull.
     *
     * @param capacity messages the activation can hold at once (hand-off plus workers)
     * @param expires how long one pull waits at the server; heartbeats come every half of it
     * @param ackWait the consumer's ack wait: the longest a cancelled inbox's drain is given
     * @param held the activation's count of messages received and not yet released, which this
     *        pull increments and {@link #released()}'s caller decrements
     * @param monitor told when the pull shows life
     * @param owner names the activation in logs
     */
    static FlowControlledPull start(Connection connection, JetStream jetStream, String stream, String consumer,
                                    MessageHandler downstream, int capacity, int batchSize, Duration expires,
                                    Duration ackWait, AtomicInteger held, ActivationMonitor monitor, String owner)
            throws IOException, JetStreamApiException {
        FlowControlledPull p = new FlowControlledPull(connection, jetStream, stream, consumer, downstream, capacity,
                batchSize, expires, ackWait, held, monitor, owner);
        synchronized (p) {
            p.current = p.subscribe();
            p.pullIfRoom();
        }
        return p;
    }

    private Inbox subscribe() throws IOException, JetStreamApiException {
        Inbox inbox = new Inbox();
        try {
            inbox.sub = jetStream.subscribe(null, inbox.dispatcher, m -> arrived(inbox, m),
                    PullSubscribeOptions.fastBind(stream, consumer));
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            connection.closeDispatcher(inbox.dispatcher);
            throw e;
        }
        return inbox;
    }

    /** On the inbox's dispatcher thread: one message of its pull. */
    private void arrived(Inbox inbox, Message message) throws InterruptedException {
        synchronized (this) {
            if (inbox.requested > 0) {
                inbox.requested--;
            }
            held.incrementAndGet();
            lastNewsNanos = System.nanoTime();
            refusedSinceNanos = 0;
            electionLogged = false;
        }
        monitor.heartbeat();
        try {
            downstream.onMessage(message);
        } catch (RuntimeException e) {
            // Neither handed over nor given back: give it back here, and its place with it.
            held.updateAndGet(n -> Math.max(0, n - 1));
            LOG.log(Level.WARNING, owner + ": a received message could not be handed over; giving it back", e);
            try {
                message.nak();
            } catch (RuntimeException nakFailed) {
                LOG.log(Level.DEBUG, "{0}: nak failed ({1}); redelivered after ackWait", owner, nakFailed.toString());
            }
        }
        synchronized (this) {
            if (inbox == current && inbox.requested == 0) {
                pullIfRoom();
            }
        }
    }

    /** A message left the activation's hands (the caller decremented {@code held}): room for more. */
    synchronized void released() {
        if (current.requested == 0) {
            pullIfRoom();
        }
    }

    /**
     * The server answered a pull with a status that ends it.
     *
     * @param sub the subscription whose pull it was
     * @param refused whether the server refused it (limits exceeded, no responders, shutting
     *        down, or an error): the next pull waits for {@link #watch()} instead of going at once
     */
    synchronized void ended(JetStreamSubscription sub, Status status, boolean refused) {
        Inbox inbox = find(sub);
        if (inbox == null) {
            return;
        }
        inbox.requested = 0;
        if (inbox != current) {
            if (current.requested == 0) {
                pullIfRoom(false); // the room its pull held is free
            }
            return;
        }
        if (refused) {
            lastRefusal = status.getCode() + " " + status.getMessage();
            if (refusedSinceNanos == 0) {
                refusedSinceNanos = System.nanoTime();
            }
            paused = true;
            Level level;
            if (status.getCode() == NO_RESPONDERS && System.nanoTime() - refusedSinceNanos < LASTING_NANOS) {
                // The consumer's leader is being elected (a node of the cluster lost or in lame-duck
                // mode): a matter of seconds, not a fault.
                level = electionLogged ? Level.DEBUG : Level.INFO;
                electionLogged = true;
            } else {
                level = refusalLogged ? Level.DEBUG : Level.WARNING;
                refusalLogged = true;
            }
            LOG.log(level, "{0}: the server refused a pull ({1} {2}); pulling again at the next watch", owner,
                    status.getCode(), status.getMessage());
        } else {
            lastNewsNanos = System.nanoTime();
            refusedSinceNanos = 0;
            electionLogged = false;
            monitor.heartbeat();
            pullIfRoom();
        }
    }

    /**
     * @return why nothing can arrive although the connection is up, or {@code null}: the pull in
     *         flight had no news for {@link #STALL_NANOS} while its dispatcher was not busy, or the
     *         server has refused every pull for that long (a dead pull is replaced sooner, after
     *         three missed heartbeats: a consumer leader's election is no stall)
     */
    synchronized Stall stall() {
        long now = System.nanoTime();
        if (stopped || connection.getStatus() != Connection.Status.CONNECTED) {
            return null;
        }
        if (refusedSinceNanos != 0 && now - refusedSinceNanos > STALL_NANOS) {
            return new Stall("the server has refused every pull for "
                    + Duration.ofNanos(now - refusedSinceNanos).toSeconds() + " s (last: " + lastRefusal + ")",
                    refusedSinceNanos, false);
        }
        if (now - lastNewsNanos > STALL_NANOS && (current.requested > 0 || asked() > 0) && !queued(current)) {
            return new Stall("no message or heartbeat from the pull for "
                    + Duration.ofNanos(now - lastNewsNanos).toSeconds() + " s; pulling again", lastNewsNanos, false);
        }
        return null;
    }

    /**
     * jnats found {@code sub} silent (no message, no heartbeat): when that is the pull in flight,
     * sent long enough ago to have gone silent, it is cancelled.
     *
     * @return whether it was
     */
    synchronized boolean silent(JetStreamSubscription sub) {
        if (current.sub != sub || current.requested == 0 || System.nanoTime() - current.sentNanos < alarmNanos
                || queued(current)) {
            return false; // an old inbox's, raised before the pull in flight was sent, or only busy
        }
        cancel("its heartbeats stopped");
        return true;
    }

    /**
     * Called periodically: a pull whose expiry has passed without the server saying so (its
     * status lost with a connection) is cancelled; with no pull in flight, one is sent if there
     * is room (after a refusal, or a trigger that was missed).
     */
    synchronized void watch() {
        if (current.requested > 0) {
            if (System.nanoTime() - current.sentNanos > expires.toNanos() + EXPIRY_GRACE_NANOS && !queued(current)) {
                cancel("its expiry passed without news");
            }
        } else {
            paused = false;
            pullIfRoom(System.nanoTime() - lastPullNanos > KEEP_ALIVE_NANOS);
        }
    }

    /**
     * @return whether the inbox's dispatcher still has messages queued: its pull is not silent,
     *         the activation is busy (it hands over no faster than its workers take)
     */
    private static boolean queued(Inbox inbox) {
        try {
            return inbox.dispatcher.getPendingMessageCount() > 0;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    /** The connection is back: an earlier refusal says nothing about this server; the pull's fate is unknown. */
    synchronized void reconnected() {
        paused = false;
        refusedSinceNanos = 0; // a refusal before the reconnect says nothing about this server
        lastNewsNanos = System.nanoTime(); // nor does the time without a connection about the pull
        cancel("the connection was re-established");
    }

    /**
     * The pull in flight may be dead or alive (a reconnect; its heartbeats stopped): cancel it
     * and pull afresh on a new inbox.
     */
    synchronized void cancel(String why) {
        if (stopped) {
            return;
        }
        if (current.requested == 0) {
            pullIfRoom();
            return;
        }
        Inbox fresh;
        try {
            fresh = subscribe();
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            LOG.log(Level.DEBUG, "{0}: no new inbox yet ({1}); the watch tries again", owner, e.toString());
            return;
        }
        Inbox old = current;
        current = fresh;
        draining.add(old);
        LOG.log(Level.DEBUG, "{0}: pull of {1} cancelled ({2}); pulling on a new inbox", owner, old.requested, why);
        try {
            connection.getOptions().getExecutor().execute(() -> drain(old));
        } catch (RejectedExecutionException e) {
            drained(old, true); // the connection is closing: nothing more comes from it anyway
        }
        pullIfRoom();
    }

    /** On the connection's executor: unsubscribes the inbox and lets what came before that through. */
    private void drain(Inbox inbox) {
        CompletableFuture<Boolean> done;
        try {
            done = inbox.dispatcher.drain(drainTimeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            drained(inbox, true);
            return;
        } catch (RuntimeException e) {
            drained(inbox, true);
            return;
        }
        done.whenComplete((ok, failure) -> drained(inbox, !Boolean.TRUE.equals(ok)));
    }

    private void drained(Inbox inbox, boolean close) {
        if (close) {
            closeQuietly(inbox.dispatcher);
        }
        synchronized (this) {
            inbox.requested = 0;
            draining.remove(inbox);
            if (current.requested == 0) {
                pullIfRoom();
            }
        }
    }

    /** @return what the pulls of cancelled inboxes asked for and may still bring */
    private int asked() {
        int asked = 0;
        for (Inbox i : draining) {
            asked += i.requested;
        }
        return asked;
    }

    private Inbox find(JetStreamSubscription sub) {
        if (current.sub == sub) {
            return current;
        }
        for (Inbox i : draining) {
            if (i.sub == sub) {
                return i;
            }
        }
        return null;
    }

    private void pullIfRoom() {
        pullIfRoom(false);
    }

    /** @param anySize whether even a pull below the refill threshold goes out (keep-alive) */
    private void pullIfRoom(boolean anySize) {
        if (stopped || paused || current.requested > 0 || connection.getStatus() != Connection.Status.CONNECTED) {
            return; // not while disconnected: a pull buffered for the reconnect would be a pull unaccounted for
        }
        int asked = asked();
        int n = Math.min(batchSize, capacity - held.get() - asked);
        if (n <= 0 || n < refillThreshold && held.get() > 0 && !anySize) {
            return; // a pull per message would cost more than it brings: a release will come
        }
        try {
            current.sub.pull(PullRequestOptions.builder(n).expiresIn(expires).idleHeartbeat(heartbeat(expires))
                    .build());
            current.requested = n;
            current.sentNanos = System.nanoTime();
            lastPullNanos = current.sentNanos;
            if (asked == 0) {
                lastNewsNanos = current.sentNanos; // nothing was waiting for the server until now
            }
        } catch (RuntimeException e) {
            // E.g. the connection closed under us: the next trigger (watch, reconnect) tries again.
            LOG.log(Level.DEBUG, "{0}: pull not sent: {1}", owner, e.toString());
        }
    }

    /**
     * No more pulls; what the dispatchers already queued still reaches the handler (which gives it
     * back while the activation stops), then the subscriptions end at the server.
     *
     * @param flush how long the unsubscribe may take to reach the server
     */
    void stop(Duration flush) {
        Dispatcher d;
        synchronized (this) {
            stopped = true;
            d = current.dispatcher;
        }
        try {
            if (d.isActive() && connection.getStatus() == Connection.Status.CONNECTED) {
                d.drain(flush);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.log(Level.DEBUG, "{0}: draining the pull: {1}", owner, e.toString());
        }
    }

    /** Ends the subscriptions at once (their consumer is gone anyway). */
    void close() {
        List<Dispatcher> all = new ArrayList<>();
        synchronized (this) {
            stopped = true;
            all.add(current.dispatcher);
            for (Inbox i : draining) {
                all.add(i.dispatcher);
            }
        }
        all.forEach(this::closeQuietly);
    }

    private void closeQuietly(Dispatcher d) {
        try {
            if (d.isActive()) {
                connection.closeDispatcher(d);
            }
        } catch (RuntimeException e) {
            LOG.log(Level.DEBUG, "{0}: closing a pull subscription: {1}", owner, e.toString());
        }
    }
}
