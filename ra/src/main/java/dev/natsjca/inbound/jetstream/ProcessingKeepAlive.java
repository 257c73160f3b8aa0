package dev.natsjca.inbound.jetstream;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import dev.natsjca.inbound.ActivationScheduler;
import dev.natsjca.inbound.DeliveryWatch;
import io.nats.client.Message;

/**
 * Keeps the messages of an activation with a {@code maxProcessingTime} alive while they wait for
 * a worker and while their beans run, so that a short {@code ackWait} does not redeliver a message
 * the activation is still at: every {@code ackWait / 3} (a period) each message received at least
 * half a period ago tells the server it is in progress (the server restarts its ack deadline), for
 * at most {@code maxProcessingTime} from its receipt while it waits. A delivery that has run
 * {@code maxProcessingTime} is counted as failed (nak with backoff, or a dead letter), up to one
 * period late when a work-manager thread is free, and kept alive until then.
 *
 * <p>Threads: one task on the adapter's timer ticks and hands a round over to the work manager,
 * one round at a time; the round sends the in-progress acks and hands each time-out over as work
 * of its own (settling may publish a dead letter). When the round handed over at an earlier tick
 * has not started (every thread taken, often by this activation's own long beans), or the work
 * manager refused it, the tick sends the in-progress acks itself: waiting for a thread would let
 * {@code ackWait} pass, the redelivery this class is there to prevent. So a message's first ack
 * goes at most about two periods after its receipt. On the timer the acks must not block: a
 * message whose connection's outgoing queue is half full is skipped there (jnats would wait for
 * room), and a round that started and is slow is left to finish. What is tracked is bounded by
 * what the activation holds (the pull's flow control: {@code batchSize} plus the deliveries in
 * flight). The tick stops once the activation stopped and holds nothing.
 */
final class ProcessingKeepAlive {

    private static final System.Logger LOG = System.getLogger(dev.natsjca.inbound.EndpointActivation.class.getName());
    private static final Duration MIN_PERIOD = Duration.ofMillis(10);

    private final Duration max;
    private final long periodNanos;
    private final Duration period;
    private final ActivationScheduler scheduler;
    private final BooleanSupplier running;
    private final String owner;
    private final Set<Tracked> inFlight = ConcurrentHashMap.newKeySet();
    /** Messages received and not settled (identity: jnats messages do not define equality), with when they came. */
    private final Map<Message, Long> held = new ConcurrentHashMap<>();
    private final AtomicBoolean ticking = new AtomicBoolean();
    private final AtomicBoolean roundPending = new AtomicBoolean();
    /** {@link System#nanoTime()} when the pending round was handed over; read only by the tick. */
    private volatile long roundHandedOverNanos;
    /** Whether the pending round has started on a work-manager thread. */
    private volatile boolean roundStarted;

    /** One delivery being watched. */
    private final class Tracked implements DeliveryWatch {
        final List<Message> messages;
        final long startedNanos = System.nanoTime();
        final Consumer<Throwable> timedOut;

        Tracked(List<Message> messages, Consumer<Throwable> timedOut) {
            this.messages = messages;
            this.timedOut = timedOut;
        }

        @Override
        public void close() {
            inFlight.remove(this);
        }
    }

    /**
     * @param js the activation's settings, with a {@code maxProcessingTime}
     * @param running whether the activation still runs
     * @param owner names the activation in logs
     */
    ProcessingKeepAlive(JetStreamSettings js, ActivationScheduler scheduler, BooleanSupplier running, String owner) {
        this.max = js.maxProcessingTime();
        // A third of ackWait keeps messages alive with room to spare; a quarter of the limit
        // keeps a time-out close to it when ackWait is much longer.
        Duration third = js.ackWait().dividedBy(3);
        Duration quarter = max.dividedBy(4);
        Duration p = third.compareTo(quarter) < 0 ? third : quarter;
        this.period = p.compareTo(MIN_PERIOD) < 0 ? MIN_PERIOD : p;
        this.periodNanos = period.toNanos();
        this.scheduler = scheduler;
        this.running = running;
        this.owner = owner;
    }

    /** A message came: it is kept alive from now on, until {@link #released}. */
    void received(Message message) {
        held.put(message, System.nanoTime());
        startTicking();
    }

    /** A message is being settled (or given back): no longer kept alive; called again after is harmless. */
    void released(Message message) {
        held.remove(message);
    }

    /** @return the watch of a delivery of {@code messages} that starts now */
    DeliveryWatch track(List<Message> messages, Consumer<Throwable> timedOut) {
        Tracked t = new Tracked(messages, timedOut);
        inFlight.add(t);
        startTicking();
        return t;
    }

    private void startTicking() {
        if (ticking.compareAndSet(false, true)) {
            scheduler.repeatWhile(period, this::tick);
        }
    }

    /**
     * On the timer thread: hands a round over, unless one is still pending; when the pending one
     * was handed over at an earlier tick and has not started, sends the acks itself.
     */
    private boolean tick() {
        boolean busy = !inFlight.isEmpty() || !held.isEmpty();
        if (busy) {
            long now = System.nanoTime();
            if (roundPending.compareAndSet(false, true)) {
                roundStarted = false;
                roundHandedOverNanos = now;
                scheduler.runAsWork(this::round, () -> {
                    keepAlive(now, true); // refused: the acks here, time-outs at a later round
                    roundPending.set(false);
                });
            } else if (!roundStarted && now - roundHandedOverNanos >= periodNanos / 2) {
                // Handed over at an earlier tick (half a period: timer jitter must not make it two
                // ticks) and not started: no thread for it, and the acks cannot wait for one. A
                // round that started and is slow (publishing into a full outgoing queue) is left
                // to finish: the timer must not block on it too.
                keepAlive(now, true);
            }
        }
        if (running.getAsBoolean() || busy) {
            return true;
        }
        ticking.set(false);
        // A delivery tracked in the meantime found the tick still on and started none: go on for it.
        return (!inFlight.isEmpty() || !held.isEmpty()) && ticking.compareAndSet(false, true);
    }

    /**
     * Times out the deliveries that have run too long, then keeps alive what has run or waited
     * half a period: a running delivery's messages until it ends (or its time-out is settled), a
     * waiting message for at most {@code maxProcessingTime} from its receipt (then the server's
     * {@code ackWait} applies again, so a message no worker takes is not held back from the other
     * consumers for ever).
     */
    private void round() {
        roundStarted = true;
        try {
            long now = System.nanoTime();
            timeOut(now);
            keepAlive(now, false);
        } finally {
            roundPending.set(false);
        }
    }

    /** Hands each delivery that has run {@code maxProcessingTime} over to be settled as failed. */
    private void timeOut(long now) {
        for (Tracked t : inFlight) {
            if (now - t.startedNanos >= max.toNanos() && inFlight.remove(t)) {
                t.messages.forEach(held::remove);
                ProcessingTimeExceeded why = new ProcessingTimeExceeded("the delivery of "
                        + describe(t.messages) + " ran longer than maxProcessingTime (" + max + ")");
                // Each on its own: settling may publish a dead letter, which must not hold up the keep-alive.
                scheduler.runAsWork(() -> t.timedOut.accept(why), () -> t.timedOut.accept(why));
            }
        }
    }

    /**
     * Sends an in-progress ack for each message that has run or waited half a period (so that,
     * the ticks being a period apart, none waits more than two periods for its first). A running
     * delivery past its time-out that no round has claimed yet is kept alive as well: until its
     * time-out is settled (or the bean returns and settles it) the server must not redeliver it.
     * Safe to run on the timer thread and in a round at once: an extra ack only restarts a
     * deadline again.
     *
     * @param onTimer whether on the timer thread, which must not block: a message whose
     *        connection's outgoing queue is half full is skipped (the publish could wait for room)
     */
    private void keepAlive(long now, boolean onTimer) {
        long due = periodNanos / 2;
        Set<Message> running = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (Tracked t : inFlight) {
            running.addAll(t.messages);
            for (Message m : t.messages) {
                Long came = held.get(m);
                if (came == null) {
                    // Being settled (released before its ack or nak is published): an in-progress
                    // ack after a nak would cut its backoff to ackWait. (One read just before the
                    // release still may; it costs that one shortened backoff, nothing else.)
                    continue;
                }
                if (now - came >= due) {
                    inProgress(m, onTimer);
                }
            }
        }
        for (Map.Entry<Message, Long> e : held.entrySet()) {
            long waited = now - e.getValue();
            if (running.contains(e.getKey())) {
                continue;
            }
            if (waited >= due && waited < max.toNanos()) { // waited longer: no longer kept alive, until a worker takes it
                inProgress(e.getKey(), onTimer);
            }
        }
    }

    private void inProgress(Message m, boolean onTimer) {
        if (onTimer && outgoingQueueHalfFull(m.getConnection())) {
            return;
        }
        try {
            m.inProgress();
        } catch (RuntimeException e) {
            // The connection is down, say: the server redelivers after ackWait, as without a keep-alive.
            LOG.log(Level.DEBUG, "{0}: could not keep stream sequence {1} in progress ({2})", owner,
                    m.metaData().streamSequence(), e.toString());
        }
    }

    private static boolean outgoingQueueHalfFull(io.nats.client.Connection c) {
        return c != null && c.outgoingPendingMessageCount() > c.getOptions().getMaxMessagesInOutgoingQueue() / 2;
    }

    private static String describe(List<Message> messages) {
        long first = messages.get(0).metaData().streamSequence();
        return messages.size() == 1 ? "stream sequence " + first
                : messages.size() + " messages from stream sequence " + first;
    }

    /** Why a delivery that ran past {@code maxProcessingTime} failed: the dead letter's reason. */
    static final class ProcessingTimeExceeded extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ProcessingTimeExceeded(String message) {
            super(message, null, false, false);
        }
    }
}
