package dev.natsjca.inbound;

import java.lang.System.Logger.Level;
import java.lang.reflect.Method;
import java.util.Timer;
import java.util.TimerTask;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import javax.transaction.xa.XAResource;

import dev.natsjca.api.NatsMessageListener;
import dev.natsjca.monitoring.ActivationMonitor;
import dev.natsjca.monitoring.Stall;
import dev.natsjca.monitoring.Tracing;
import io.nats.client.Message;
import jakarta.resource.ResourceException;
import jakarta.resource.spi.UnavailableException;
import jakarta.resource.spi.endpoint.MessageEndpoint;
import jakarta.resource.spi.endpoint.MessageEndpointFactory;
import jakarta.resource.spi.work.Work;
import jakarta.resource.spi.work.WorkEvent;
import jakarta.resource.spi.work.WorkException;
import jakarta.resource.spi.work.WorkListener;
import jakarta.resource.spi.work.WorkManager;

/**
 * Hands an activation's messages to its endpoints: the jnats dispatcher thread puts each message
 * into a small bounded hand-off queue, waiting while it is full; at most {@code maxConcurrency}
 * {@link Work}s on the adapter's {@link WorkManager} take messages from it and deliver them one
 * after the other, and end when it stays empty for a moment. So the backlog stays in jnats'
 * bounded pending buffer (for core subscriptions {@code maxPending} messages, beyond which the
 * client drops and counts them; a JetStream pull never asks for more than a batch). No thread is
 * created per message, no work is scheduled per message, and no queue of ours grows without bound.
 *
 * <p>A worker the work manager refuses is asked for again on the adapter's timer, after 100 ms,
 * doubling with each retry up to {@link #WORKER_RETRY_MAX}, until one starts or the activation
 * stops; each arriving message asks too, and so does the dispatcher thread while it waits for
 * room with no worker running. A worker that ends while messages wait (its thread was
 * interrupted) starts its successor. So messages waiting in the hand-off never wait for a worker
 * that will not come.
 */
final class Deliveries {

    private static final System.Logger LOG = EndpointActivation.LOG;
    private static final Method ON_MESSAGE;

    static {
        try {
            ON_MESSAGE = NatsMessageListener.class.getMethod("onMessage", dev.natsjca.api.NatsMessage.class);
        } catch (NoSuchMethodException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** How long one wait for room in the hand-off queue lasts before re-checking workers and state. */
    private static final long OFFER_WAIT_MILLIS = 250;
    /** How long an idle worker waits for the next message before it ends and frees its thread. */
    private static final long WORKER_IDLE_MILLIS = 100;
    /** Endpoint creation: how long one attempt may block, and the pause after the pool said no. */
    private static final long CREATE_ENDPOINT_TIMEOUT_MILLIS = 5_000;
    private static final long UNAVAILABLE_RETRY_MILLIS = 100;
    /** First and longest pause before asking the work manager again for a refused worker. */
    static final long WORKER_RETRY_MIN_MILLIS = 100;
    static final long WORKER_RETRY_MAX = 5_000;

    private final EndpointActivation activation;
    private final MessageEndpointFactory endpointFactory;
    private final WorkManager workManager;
    private final Timer timer;
    private final int maxConcurrency;
    /** One permit per running worker: at most {@code maxConcurrency} deliver at once. */
    private final Semaphore permits;
    private final BlockingQueue<Message> handOff;
    private final boolean transacted;

    private volatile boolean running = true;
    private volatile boolean traceFailureLogged;
    // Guarded by this: the pending retry of a refused worker, the pause before the next one, and
    // how often a worker was refused in a row.
    private TimerTask workerRetry;
    private long retryDelayMillis = WORKER_RETRY_MIN_MILLIS;
    private int refusals;
    /**
     * Messages waiting this long while no worker took one make the activation stalled: the work
     * manager refuses workers, no endpoint can be created, or every delivery hangs.
     */
    static final long WEDGE_NANOS = TimeUnit.SECONDS.toNanos(30);
    /** When a worker last took a message from the hand-off, or a message arrived in an empty one. */
    private volatile long progressNanos = System.nanoTime();
    private final ActivationMonitor monitor;
    private final Tracing.ConsumerTracing tracing;

    /**
     * @param handOffCapacity messages the hand-off queue holds: enough that a busy worker finds
     *        its next messages waiting instead of parking after each one (a thread hand-off costs
     *        more than a small delivery), small next to jnats' own pending buffer
     * @throws ResourceException when the endpoint does not implement the listener interface
     */
    Deliveries(EndpointActivation activation, MessageEndpointFactory endpointFactory, WorkManager workManager,
               Timer timer, int maxConcurrency, int handOffCapacity) throws ResourceException {
        this.activation = activation;
        this.monitor = activation.monitor();
        Class<?> bean;
        try {
            bean = endpointFactory.getEndpointClass();
        } catch (RuntimeException | AbstractMethodError e) {
            bean = null; // a server on an older Connectors version: the adapter's class loader then
        }
        ResolvedActivation spec = activation.resolved();
        this.tracing = activation.tracing().consumer(bean == null ? null : bean.getClassLoader(), spec.subject(),
                spec.queueGroup() != null ? spec.queueGroup()
                        : spec.jetStream() != null ? spec.jetStream().durable() : null);
        this.endpointFactory = endpointFactory;
        this.workManager = workManager;
        this.timer = timer;
        this.maxConcurrency = maxConcurrency;
        this.permits = new Semaphore(maxConcurrency);
        this.handOff = new ArrayBlockingQueue<>(handOffCapacity);
        try {
            this.transacted = endpointFactory.isDeliveryTransacted(ON_MESSAGE);
        } catch (NoSuchMethodException e) {
            throw new ResourceException("The endpoint does not implement " + ON_MESSAGE, e);
        }
    }

    /**
     * Runs on the jnats dispatcher thread: hand over (waiting, bounded and re-checked, while full).
     * A message that cannot be handed over (stopping, or the thread interrupted: jnats ends a
     * dispatcher whose drain timed out that way) is given back, never dropped.
     */
    void accept(Message message) {
        boolean handedOver = false;
        try {
            while (running && !(handedOver = handOff.offer(message, OFFER_WAIT_MILLIS, TimeUnit.MILLISECONDS))) {
                if (permits.availablePermits() == maxConcurrency) {
                    startWorkerIfRoom(); // full, and no worker runs: ask (a refusal is retried on the timer)
                }
            }
        } catch (InterruptedException e) {
            giveBack(message);
            Thread.currentThread().interrupt(); // the dispatcher is being ended: let it end
            return;
        }
        if (!running) {
            // Stopping: not handed over, or handed over too late for a worker to be sure to take it.
            if (!handedOver || handOff.remove(message)) {
                giveBack(message);
            }
            return;
        }
        if (handOff.size() == 1) {
            progressNanos = System.nanoTime(); // the wait starts now, not when the last message was taken
        }
        startWorkerIfRoom();
    }

    /** Nothing more is delivered; workers finish the delivery they are in. */
    void stop() {
        running = false;
        synchronized (this) {
            if (workerRetry != null) {
                workerRetry.cancel();
                workerRetry = null;
            }
        }
    }

    /** @return whether every worker ended by the deadline */
    boolean awaitIdle(long deadlineNanos) {
        try {
            long left = Math.max(0, deadlineNanos - System.nanoTime());
            if (permits.tryAcquire(maxConcurrency, left, TimeUnit.NANOSECONDS)) {
                permits.release(maxConcurrency);
                return true;
            }
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Gives back what was handed over but never delivered: JetStream redelivers it elsewhere. */
    void returnWaiting() {
        for (Message left; (left = handOff.poll()) != null; ) {
            giveBack(left);
        }
    }

    /** Gives one message back; a failure to (a connection that closed) only means a later redelivery. */
    private void giveBack(Message message) {
        try {
            activation.notTaken(message);
        } catch (RuntimeException e) {
            LOG.log(Level.DEBUG, "NATS endpoint on {0}: giving a message back failed ({1}); JetStream redelivers it "
                    + "after ackWait", activation.describe(), e.toString());
        }
    }

    /** Starts one more worker unless {@code maxConcurrency} already run. */
    private void startWorkerIfRoom() {
        if (!permits.tryAcquire()) {
            return; // the running workers will take it
        }
        Worker worker = new Worker();
        try {
            workManager.scheduleWork(worker, WorkManager.INDEFINITE, null, worker);
        } catch (WorkException | RuntimeException e) {
            worker.releasePermit();
            refused(e);
        }
    }

    /** The work manager refused a worker: ask again later on the timer, backing off. */
    private void refused(Exception e) {
        synchronized (this) {
            int n = refusals++;
            if (n == 0) {
                LOG.log(Level.WARNING, "NATS endpoint on " + activation.describe() + ": the work manager refused a "
                        + "delivery worker; asking again, at most every " + WORKER_RETRY_MAX + " ms", e);
            }
            if (workerRetry != null || !running) {
                return;
            }
            long delay = retryDelayMillis;
            retryDelayMillis = Math.min(2 * retryDelayMillis, WORKER_RETRY_MAX);
            workerRetry = GuardedTimerTask.of("NATS endpoint on " + activation.describe(), () -> {
                synchronized (Deliveries.this) {
                    workerRetry = null;
                }
                if (running && !handOff.isEmpty()) {
                    startWorkerIfRoom();
                }
            });
            timer.schedule(workerRetry, delay);
        }
    }

    private synchronized void accepted() {
        if (refusals > 0) {
            refusals = 0;
            retryDelayMillis = WORKER_RETRY_MIN_MILLIS;
            LOG.log(Level.INFO, "NATS endpoint on {0}: the work manager accepts delivery workers again",
                    activation.describe());
        }
    }

    /** Tracing failed (an application's span processor threw, say): logged once, deliveries go on. */
    private void traceFailed(Throwable e) {
        if (!traceFailureLogged) {
            traceFailureLogged = true;
            LOG.log(Level.WARNING, "NATS endpoint on " + activation.describe() + ": tracing a delivery failed; "
                    + "deliveries go on (further failures are not logged)", e);
        }
    }

    /** @return messages waiting for a worker */
    int waiting() {
        return handOff.size();
    }

    /**
     * @return a stall when messages have waited {@link #WEDGE_NANOS} while no worker took one, or
     *         {@code null}
     */
    Stall stall() {
        long since = progressNanos;
        if (!running || handOff.isEmpty() || System.nanoTime() - since < WEDGE_NANOS) {
            return null;
        }
        int refused;
        synchronized (this) {
            refused = refusals;
        }
        String why = refused > 0 ? "the work manager refused " + refused + " delivery workers in a row"
                : permits.availablePermits() == 0 ? "all " + maxConcurrency + " deliveries are busy (hanging, or "
                + "waiting for an endpoint the container does not give)" : "no worker runs";
        return new Stall("no delivery worker can run: " + handOff.size() + " messages wait and none was taken for "
                + TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - since) + " s; " + why, since, true);
    }

    /** Settles a delivery once: nothing when the endpoint terminated it, else delivered or failed. */
    private void settle(DeliveredMessage delivered, Throwable failure) {
        if (failure == null) {
            monitor.succeeded();
        } else {
            monitor.failed();
        }
        try {
            if (delivered.terminated()) {
                monitor.terminated();
                activation.settledByEndpoint(delivered.message());
            } else if (failure == null) {
                activation.delivered(delivered.message());
            } else {
                activation.failed(delivered.message(), failure);
            }
        } catch (RuntimeException e) {
            // E.g. an ack on a connection that closed meanwhile: the server redelivers after ackWait.
            LOG.log(Level.WARNING, "NATS endpoint on " + activation.describe() + ": could not settle a message on '"
                    + delivered.subject() + "' (" + e + "); JetStream redelivers it after ackWait", e);
        }
    }

    /**
     * Delivers messages from the hand-off queue one after the other until it stays empty for
     * {@link #WORKER_IDLE_MILLIS}. Holds one permit while it runs and releases it exactly once,
     * whatever happens: a work manager may both throw on rejection and report it to the listener.
     */
    private final class Worker implements Work, WorkListener {
        private final AtomicBoolean permitHeld = new AtomicBoolean(true);
        private volatile boolean released;
        /**
         * The endpoint this worker delivers through, serially, while nothing settles in the
         * endpoint's transaction (a JCA endpoint may serve several deliveries one after another;
         * creating one per message is the container's most expensive step). Released when the
         * worker ends.
         */
        private MessageEndpoint reusable;

        void releasePermit() {
            if (permitHeld.compareAndSet(true, false)) {
                permits.release();
            }
        }

        @Override
        public void run() {
            try {
                while (true) {
                    Message message = handOff.poll(WORKER_IDLE_MILLIS, TimeUnit.MILLISECONDS);
                    if (message == null) {
                        releasePermit();
                        // A message handed over just before the release found no free permit: take it.
                        if (handOff.isEmpty() || !running || released || !permits.tryAcquire()) {
                            return;
                        }
                        permitHeld.set(true);
                        continue;
                    }
                    progressNanos = System.nanoTime();
                    if (!running || released) {
                        giveBack(message);
                        continue;
                    }
                    deliver(message);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // interrupted while waiting: the work manager is stopping
            } finally {
                if (reusable != null) {
                    releaseQuietly(reusable);
                    reusable = null;
                }
                releasePermit();
                if (running && !released && !handOff.isEmpty()) {
                    startWorkerIfRoom(); // ended early with messages waiting: a successor takes them
                }
            }
        }

        private void releaseQuietly(MessageEndpoint endpoint) {
            try {
                endpoint.release();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "NATS endpoint on " + activation.describe() + ": releasing a message "
                        + "endpoint failed", e);
            }
        }

        private void deliver(Message message) {
            Tracing.DeliverySpan span = startSpan(message);
            try {
                deliver(message, span);
            } finally {
                try {
                    span.close();
                } catch (RuntimeException | LinkageError e) {
                    traceFailed(e);
                }
            }
        }

        /** @return the delivery's span; none when tracing fails: a message is never held up by it */
        private Tracing.DeliverySpan startSpan(Message message) {
            try {
                return tracing.start(message);
            } catch (RuntimeException | LinkageError e) {
                traceFailed(e);
                return Tracing.DeliverySpan.NONE;
            }
        }

        /** Delivers in the delivery's span, which is current until the message is settled. */
        private void deliver(Message message, Tracing.DeliverySpan span) {
            DeliveredMessage delivered = new DeliveredMessage(message);
            // A transacted delivery is settled by the transaction's outcome (commit: delivered;
            // rollback: failed, with the endpoint's exception as the reason when it threw one).
            Throwable[] failure = new Throwable[1];
            SettlementXAResource settlement = transacted && activation.settlesInTransaction()
                    ? new SettlementXAResource(activation.describe(), () -> settle(delivered, null),
                            () -> settle(delivered, failure[0] != null ? failure[0]
                                    : new IllegalStateException("the transaction rolled back")))
                    : null;
            // A settling transaction binds its XAResource to the endpoint: one endpoint per delivery then.
            if (settlement == null && reusable == null) {
                reusable = createEndpoint(null);
            }
            MessageEndpoint endpoint = settlement == null ? reusable : createEndpoint(settlement);
            if (endpoint == null) {
                try {
                    activation.tracing().event("given_back", "messaging.nats.reason",
                            "no endpoint before the activation stopped");
                } catch (RuntimeException | LinkageError e) {
                    traceFailed(e);
                }
                giveBack(message);
                return;
            }
            long started = monitor.deliveryStarted();
            try {
                if (transacted) {
                    endpoint.beforeDelivery(ON_MESSAGE);
                }
                try {
                    ((NatsMessageListener) endpoint).onMessage(delivered);
                } catch (Throwable e) { // an endpoint may throw anything; the subclass decides what follows
                    failure[0] = e;
                }
                if (Thread.interrupted()) {
                    // The bean (or the container, for a slow delivery) interrupted this thread: that
                    // ended the delivery, not the settlement (an ack fails on an interrupted thread)
                    // nor this worker, which must keep the hand-off moving.
                    LOG.log(Level.DEBUG, "NATS endpoint on {0}: a delivery left its thread interrupted; cleared",
                            activation.describe());
                }
                if (transacted) {
                    endpoint.afterDelivery(); // commits or rolls back: the settlement resource acts
                }
            } catch (Throwable e) {
                if (failure[0] == null) {
                    failure[0] = e; // beforeDelivery/afterDelivery failed
                }
            } finally {
                if (settlement != null) {
                    releaseQuietly(endpoint); // the settlement below must happen whatever release does
                }
                monitor.deliveryEnded(started);
            }
            if (failure[0] != null) {
                try {
                    span.failed(failure[0]);
                } catch (RuntimeException | LinkageError e) {
                    traceFailed(e);
                }
            }
            if (settlement == null) {
                settle(delivered, failure[0]);
            } else {
                // The transaction should have settled it; when it did not (its outcome never reached
                // this resource), the delivery counts as failed: a nak, never an ack for work that
                // may have rolled back. Through the same once-only gate as the transaction's call.
                Throwable f = failure[0] != null ? failure[0]
                        : new IllegalStateException("the transaction ended without settling the delivery");
                settlement.settleInstead(() -> settle(delivered, f));
            }
        }

        /** @return an endpoint, or {@code null} when the activation stopped while none could be had */
        private MessageEndpoint createEndpoint(XAResource xaResource) {
            while (running && !released) {
                try {
                    return endpointFactory.createEndpoint(xaResource, CREATE_ENDPOINT_TIMEOUT_MILLIS);
                } catch (UnavailableException | RuntimeException e) {
                    // Unavailable: the pool is exhausted. A RuntimeException: typically the bean is
                    // being undeployed. Either way: try again until it works or the activation stops.
                    LOG.log(Level.DEBUG, "NATS endpoint on {0}: no endpoint available yet ({1}), retrying",
                            activation.describe(), e.toString());
                    try {
                        Thread.sleep(UNAVAILABLE_RETRY_MILLIS);
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        break;
                    }
                }
            }
            return null;
        }

        @Override
        public void release() {
            released = true;
        }

        @Override
        public void workAccepted(WorkEvent e) {
            accepted();
        }

        @Override
        public void workRejected(WorkEvent e) {
            releasePermit();
            refused(e.getException());
        }

        @Override
        public void workStarted(WorkEvent e) {
        }

        @Override
        public void workCompleted(WorkEvent e) {
        }
    }
}
