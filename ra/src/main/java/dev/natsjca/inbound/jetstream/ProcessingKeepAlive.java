package dev.natsjca.inbound.jetstream;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import dev.natsjca.inbound.ActivationScheduler;
import dev.natsjca.inbound.DeliveryWatch;
import io.nats.client.Message;

/**
 * Keeps the deliveries of an activation with a {@code maxProcessingTime} alive while their beans
 * run, so that a short {@code ackWait} does not redeliver a message whose bean is still at work:
 * every {@code ackWait / 3} each delivery that has run that long tells the server it is in
 * progress (the server restarts its ack deadline). A delivery that has run
 * {@code maxProcessingTime} is no longer kept alive: it is counted as failed at once (nak with
 * backoff, or a dead letter), up to one period late.
 *
 * <p>Threads: one task on the adapter's timer ticks (it only hands work over); the in-progress
 * acks and the time-outs run on the work manager, one round at a time. What is tracked is
 * bounded by the deliveries in flight ({@code maxConcurrency}). The tick stops once the
 * activation stopped and its last delivery ended.
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
    private final AtomicBoolean ticking = new AtomicBoolean();
    private final AtomicBoolean roundPending = new AtomicBoolean();

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
        Duration third = js.ackWait().dividedBy(3);
        this.period = third.compareTo(MIN_PERIOD) < 0 ? MIN_PERIOD : third;
        this.periodNanos = period.toNanos();
        this.scheduler = scheduler;
        this.running = running;
        this.owner = owner;
    }

    /** @return the watch of a delivery of {@code messages} that starts now */
    DeliveryWatch track(List<Message> messages, Consumer<Throwable> timedOut) {
        Tracked t = new Tracked(messages, timedOut);
        inFlight.add(t);
        if (ticking.compareAndSet(false, true)) {
            scheduler.repeatWhile(period, this::tick);
        }
        return t;
    }

    /** On the timer thread: hands a round over, unless one is still pending. */
    private boolean tick() {
        if (!inFlight.isEmpty() && roundPending.compareAndSet(false, true)) {
            scheduler.runAsWork(this::round, this::round);
        }
        boolean goOn = running.getAsBoolean() || !inFlight.isEmpty();
        if (!goOn) {
            ticking.set(false);
        }
        return goOn;
    }

    /** Keeps each delivery alive that has run a period; times out those that have run too long. */
    private void round() {
        try {
            long now = System.nanoTime();
            for (Tracked t : inFlight) {
                long ran = now - t.startedNanos;
                if (ran >= max.toNanos()) {
                    if (inFlight.remove(t)) {
                        t.timedOut.accept(new ProcessingTimeExceeded("the delivery of " + describe(t.messages)
                                + " ran longer than maxProcessingTime (" + max + ")"));
                    }
                } else if (ran >= periodNanos) {
                    for (Message m : t.messages) {
                        inProgress(m);
                    }
                }
            }
        } finally {
            roundPending.set(false);
        }
    }

    private void inProgress(Message m) {
        try {
            m.inProgress();
        } catch (RuntimeException e) {
            // The connection is down, say: the server redelivers after ackWait, as without a keep-alive.
            LOG.log(Level.DEBUG, "{0}: could not keep stream sequence {1} in progress ({2})", owner,
                    m.metaData().streamSequence(), e.toString());
        }
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
