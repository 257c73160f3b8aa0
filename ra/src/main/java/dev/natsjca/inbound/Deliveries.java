package dev.natsjca.inbound;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Timer;
import java.util.TimerTask;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import javax.transaction.xa.XAResource;

import dev.natsjca.monitoring.Stall;
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
 * that will not come. Each delivery itself (transaction, span, settlement) is
 * {@link EndpointDelivery}'s.
 */
final class Deliveries {

    private static final System.Logger LOG = EndpointActivation.LOG;
    /** How long one wait for room in the hand-off queue lasts before re-checking workers and state. */
    private static final long OFFER_WAIT_MILLIS = 250;
    /** A batch filling up checks for a stop at least this often. */
    private static final long BATCH_WAIT_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
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
    private final EndpointDelivery delivery;
    /** A batch listener's batching, or {@code null}: one message per delivery. */
    private final BatchSettings batch;

    private volatile boolean running = true;
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

    /**
     * @param handOffCapacity messages the hand-off queue holds: enough that a busy worker finds
     *        its next messages waiting instead of parking after each one (a thread hand-off costs
     *        more than a small delivery), small next to jnats' own pending buffer
     * @throws ResourceException when the endpoint does not implement the listener interface
     */
    Deliveries(EndpointActivation activation, MessageEndpointFactory endpointFactory, WorkManager workManager,
               Timer timer, int maxConcurrency, int handOffCapacity) throws ResourceException {
        this.activation = activation;
        this.endpointFactory = endpointFactory;
        this.workManager = workManager;
        this.timer = timer;
        this.maxConcurrency = maxConcurrency;
        this.permits = new Semaphore(maxConcurrency);
        this.handOff = new ArrayBlockingQueue<>(handOffCapacity);
        this.delivery = new EndpointDelivery(activation, endpointFactory, this::giveBack);
        this.batch = activation.resolved().batch();
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
    void giveBack(Message message) {
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

    /**
     * Delivers messages from the hand-off queue one after the other until it stays empty for
     * {@link #WORKER_IDLE_MILLIS}. Holds one permit while it runs and releases it exactly once,
     * whatever happens: a work manager may both throw on rejection and report it to the listener.
     */
    private final class Worker implements Work, WorkListener, EndpointDelivery.Endpoints {
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
                    if (batch == null) {
                        deliver(message);
                    } else {
                        deliverBatch(message);
                    }
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

        /** Delivers through this worker's endpoint, or through one per delivery when it settles in a transaction. */
        private void deliver(Message message) {
            delivery.deliver(message, this);
        }

        /**
         * A batch listener's delivery: {@code first} and what else waits, up to the batch size,
         * waiting at most the batch's wait for more. Interrupted while it waits (the work manager
         * stopping), it gives the batch back and ends.
         */
        private void deliverBatch(Message first) throws InterruptedException {
            List<Message> messages = new ArrayList<>(Math.min(batch.maxSize(), 64));
            messages.add(first);
            long until = System.nanoTime() + batch.maxWait().toNanos();
            try {
                // In slices, so that a stop is seen within one: what the batch holds is given back
                // while the connection is still there to take it.
                // What waits is taken under one lock; only an empty queue is waited on, so a fast
                // publisher wakes this worker once per many messages, not once per message.
                while (messages.size() < batch.maxSize() && running && !released) {
                    if (handOff.drainTo(messages, batch.maxSize() - messages.size()) > 0) {
                        continue;
                    }
                    long left = until - System.nanoTime();
                    if (left <= 0) {
                        break;
                    }
                    Message next = handOff.poll(Math.min(left, BATCH_WAIT_SLICE_NANOS), TimeUnit.NANOSECONDS);
                    if (next != null) {
                        messages.add(next);
                    }
                }
            } catch (InterruptedException e) {
                messages.forEach(Deliveries.this::giveBack);
                throw e;
            }
            progressNanos = System.nanoTime();
            if (!running || released) {
                messages.forEach(Deliveries.this::giveBack);
                return;
            }
            delivery.deliver(messages, this);
        }

        @Override
        public MessageEndpoint reusable() {
            if (reusable == null) {
                reusable = createEndpoint(null);
            }
            return reusable;
        }

        @Override
        public MessageEndpoint create(XAResource xaResource) {
            return createEndpoint(xaResource);
        }

        @Override
        public void release(MessageEndpoint endpoint) {
            releaseQuietly(endpoint);
        }

        @Override
        public boolean stopping() {
            return !running || released;
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
