package dev.natsjca.monitoring;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import dev.natsjca.api.NatsActivationState;
import dev.natsjca.api.NatsActivationStatus;

/**
 * One activation's state and counts, reported by the activation as things happen: counters are
 * {@link LongAdder}s and timestamps plain volatile writes, so reporting costs a delivery next to
 * nothing and never blocks. {@link #snapshot} turns them into a {@link NatsActivationStatus},
 * deciding "stalled", "ready" and "live" in one place.
 *
 * <p>Thread-safe: jnats' threads, delivery workers and the timer report concurrently.
 */
public final class ActivationMonitor {

    /** A local stall (no worker can run) this long makes the activation not live. */
    static final Duration LIVENESS_BOUND = Duration.ofMinutes(1);

    private final String name;
    private final String source;
    private final boolean jetStream;
    private final Runnable onClose;

    private final LongAdder delivered = new LongAdder();
    private final LongAdder succeeded = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder redelivered = new LongAdder();
    private final LongAdder deadLettered = new LongAdder();
    private final LongAdder terminated = new LongAdder();
    private final LongAdder filtered = new LongAdder();
    private final LongAdder timedOut = new LongAdder();
    private final LongAdder consumerRecreations = new LongAdder();
    private final ProcessingTimes processingTimes = new ProcessingTimes();
    private final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();

    // Reported state; each written by one party at a time, read by snapshots.
    private volatile NatsActivationState state = NatsActivationState.CONNECTING;
    private volatile long stateSinceMillis = System.currentTimeMillis();
    private volatile boolean connected;
    private volatile long connectedSinceMillis;
    private volatile long disconnectedSinceMillis;
    private volatile String server;
    private volatile Boolean consumerPresent;
    private volatile long consumerGoneSinceMillis;
    private volatile long lastHeartbeatMillis;
    private volatile long lastDeliveryMillis;
    private volatile long numPending = -1;
    private volatile long numAckPending = -1;
    private volatile String failure;

    // What only the activation can tell when a snapshot is taken.
    private volatile IntSupplier handOffDepth = () -> 0;
    private volatile LongSupplier clientDropped = () -> 0;
    private volatile Supplier<Stall> stallProbe = () -> null;

    ActivationMonitor(String name, String source, boolean jetStream, Runnable onClose) {
        this.name = name;
        this.source = source;
        this.jetStream = jetStream;
        this.onClose = onClose;
    }

    /** @return the name operators see */
    public String name() {
        return name;
    }

    /**
     * What the activation can tell only when asked.
     *
     * @param handOffDepth messages waiting for a delivery worker
     * @param clientDropped messages dropped (core NATS: by the client, or at stop)
     * @param stallProbe why a consuming activation receives nothing, or {@code null} when it does
     */
    public void probes(IntSupplier handOffDepth, LongSupplier clientDropped, Supplier<Stall> stallProbe) {
        this.handOffDepth = handOffDepth;
        this.clientDropped = clientDropped;
        this.stallProbe = stallProbe;
    }

    // --- lifecycle, reported by the activation ---

    /** The activation entered {@code s} ({@link NatsActivationState#STALLED} and {@code RECONNECTING} are derived, never set). */
    public void state(NatsActivationState s) {
        if (s != state) {
            state = s;
            stateSinceMillis = System.currentTimeMillis();
        }
    }

    /** The server refused the configuration: why, for the status. */
    public void refused(String why) {
        failure = why;
        state(NatsActivationState.FAILED);
    }

    /** The connection is up (first connect or reconnect). */
    public void connected(String serverUrl) {
        server = serverUrl;
        if (!connected) {
            connectedSinceMillis = System.currentTimeMillis();
            connected = true;
        }
    }

    /** The connection dropped; the client reconnects. */
    public void disconnected() {
        if (connected) {
            disconnectedSinceMillis = System.currentTimeMillis();
            connected = false;
        }
    }

    /** JetStream: the consumer was found on the server (set up, or seen at a check). */
    public void consumerPresent(long pending, long ackPending) {
        consumerPresent = Boolean.TRUE;
        numPending = pending;
        numAckPending = ackPending;
    }

    /** JetStream: the consumer is gone from the server. */
    public void consumerGone() {
        if (!Boolean.FALSE.equals(consumerPresent)) {
            consumerGoneSinceMillis = System.currentTimeMillis();
        }
        consumerPresent = Boolean.FALSE;
    }

    /** JetStream: a consumer found gone was set up again. */
    public void consumerRecreated() {
        consumerRecreations.increment();
    }

    /** JetStream: the pull showed life (a message or a status from the server). */
    public void heartbeat() {
        lastHeartbeatMillis = System.currentTimeMillis();
    }

    // --- deliveries ---

    /** JetStream: a message arrived with a delivery count above 1. */
    public void redelivered() {
        redelivered.increment();
    }

    /** @return {@link System#nanoTime()} at the start of a delivery, for {@link #deliveryEnded} */
    public long deliveryStarted() {
        delivered.increment();
        inFlight.incrementAndGet();
        return System.nanoTime();
    }

    /** A delivery ended (its settlement may follow). */
    public void deliveryEnded(long startNanos) {
        processingTimes.record(System.nanoTime() - startNanos);
        inFlight.decrementAndGet();
        lastDeliveryMillis = System.currentTimeMillis();
    }

    /** A delivery settled as a success ({@code onMessage} returned; transacted: committed). */
    public void succeeded() {
        succeeded.increment();
    }

    /** A delivery settled as a failure ({@code onMessage} threw; transacted: rolled back). */
    public void failed() {
        failed.increment();
    }

    public void deadLettered() {
        deadLettered.increment();
    }

    public void terminated() {
        terminated.increment();
    }

    /** A message did not match the selector: not delivered. */
    public void filtered() {
        filtered.increment();
    }

    /** A delivery ran past {@code maxProcessingTime}: counted as failed while the bean still ran. */
    public void timedOut() {
        timedOut.increment();
    }

    /** The activation ended: it leaves the registry and JMX. */
    public void close() {
        state(NatsActivationState.STOPPED);
        onClose.run();
    }

    /**
     * @param now the snapshot's time
     * @param grace how long connecting, reconnecting or setting up may last and still count as ready
     */
    public NatsActivationStatus snapshot(Instant now, Duration grace) {
        long nowMillis = now.toEpochMilli();
        NatsActivationState s = state;
        long since = stateSinceMillis;
        String problem = null;
        boolean live = true;
        boolean isConnected = connected;
        Boolean present = consumerPresent;
        if (s == NatsActivationState.FAILED) {
            problem = failure;
        } else if (s == NatsActivationState.CONSUMING || s == NatsActivationState.SETTING_UP) {
            if (!isConnected && connectedSinceMillis != 0) {
                s = NatsActivationState.RECONNECTING;
                since = Math.max(since, disconnectedSinceMillis);
                problem = "disconnected from NATS; reconnecting";
            } else if (Boolean.FALSE.equals(present)) {
                s = s == NatsActivationState.CONSUMING ? NatsActivationState.STALLED : s;
                since = consumerGoneSinceMillis;
                problem = "the consumer is gone from the server; setting it up again";
            } else if (s == NatsActivationState.CONSUMING) {
                Stall stall = probe(stallProbe::get, null);
                if (stall != null) {
                    s = NatsActivationState.STALLED;
                    since = nowMillis - Duration.ofNanos(Math.max(0, System.nanoTime() - stall.sinceNanos())).toMillis();
                    problem = stall.reason();
                    live = !stall.local() || nowMillis - since < LIVENESS_BOUND.toMillis();
                }
            } else {
                problem = "the consumer is not set up yet; retrying";
            }
        } else if (s == NatsActivationState.CONNECTING) {
            problem = "cannot connect to NATS yet; retrying";
        }
        boolean ready = switch (s) {
            case CONSUMING, STOPPED -> true;
            case STALLED, FAILED -> false;
            case CONNECTING, RECONNECTING, SETTING_UP -> !Boolean.FALSE.equals(present) && nowMillis - since
                    <= grace.toMillis();
        };
        return new NatsActivationStatus(name, source, jetStream, s, Instant.ofEpochMilli(since), isConnected,
                instant(connectedSinceMillis), isConnected ? server : null, jetStream ? present : null,
                instant(lastHeartbeatMillis), Math.max(0, inFlight.get()), probe(handOffDepth::getAsInt, 0),
                instant(lastDeliveryMillis), delivered.sum(), succeeded.sum(), failed.sum(), redelivered.sum(),
                deadLettered.sum(), terminated.sum(), probe(clientDropped::getAsLong, 0L), filtered.sum(), timedOut.sum(),
                jetStream ? numPending : -1, jetStream ? numAckPending : -1, consumerRecreations.sum(),
                processingTimes.snapshot(), ready, live, problem);
    }

    /** A probe that fails (the activation still being built, say) must not break every snapshot. */
    private static <T> T probe(Supplier<T> probe, T otherwise) {
        try {
            return probe.get();
        } catch (RuntimeException e) {
            return otherwise;
        }
    }

    private static Instant instant(long millis) {
        return millis == 0 ? null : Instant.ofEpochMilli(millis);
    }
}
