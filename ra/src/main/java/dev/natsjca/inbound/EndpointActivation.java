package dev.natsjca.inbound;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.Timer;
import java.util.TimerTask;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.natsjca.api.NatsMessageListener;
import dev.natsjca.config.ClientErrorLogger;
import dev.natsjca.config.ConnectionSettings;
import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import javax.transaction.xa.XAResource;

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
 * One activation of a message-driven bean: one NATS connection, one consumer (a core subscription
 * or a JetStream pull consumer, see the subclasses), and at most {@code maxConcurrency} deliveries
 * in flight on {@link WorkManager} threads. Subclasses say how to consume and how to settle a
 * message after the endpoint returned or threw.
 *
 * <p>Threads and bounds: the jnats dispatcher thread of this activation's connection receives each
 * message and puts it into a small bounded hand-off queue, waiting while
 * it is full; at most {@code maxConcurrency} {@link Work}s on the adapter's {@link WorkManager}
 * take messages from it and deliver them one after the other, and end when it stays empty for a
 * moment. So the backlog stays in jnats' bounded pending buffer (for core subscriptions
 * {@code maxPending} messages, beyond which the client drops and counts them: core NATS is
 * at-most-once; a JetStream pull never asks for more than a batch). No thread is created per
 * message, no work is scheduled per message, and no queue of ours grows without bound.
 *
 * <p>Connecting: see {@link #start()}; connection retries run on the adapter's timer thread.
 *
 * <p>Shutdown: {@link #stop(Duration)} unsubscribes first (nothing new is taken), then waits up to
 * the bound for in-flight deliveries, then closes the connection.
 */
public abstract class EndpointActivation {

    static final System.Logger LOG = System.getLogger(EndpointActivation.class.getName());
    private static final Method ON_MESSAGE;

    static {
        try {
            ON_MESSAGE = NatsMessageListener.class.getMethod("onMessage", dev.natsjca.api.NatsMessage.class);
        } catch (NoSuchMethodException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Pause between connection attempts until the first connect succeeds. */
    static final Duration CONNECT_RETRY = Duration.ofSeconds(2);
    /** How long one wait for room in the hand-off queue lasts before re-checking that we still run. */
    private static final long OFFER_WAIT_MILLIS = 250;
    /** How long an idle worker waits for the next message before it ends and frees its thread. */
    private static final long WORKER_IDLE_MILLIS = 100;
    /** Endpoint creation: how long one attempt may block, and the pause after the pool said no. */
    private static final long CREATE_ENDPOINT_TIMEOUT_MILLIS = 5_000;
    private static final long UNAVAILABLE_RETRY_MILLIS = 100;

    private final MessageEndpointFactory endpointFactory;
    final ResolvedActivation spec;
    final ConnectionSettings settings;
    private final WorkManager workManager;
    /** One permit per running worker: at most {@code maxConcurrency} deliver at once. */
    private final Semaphore permits;
    private final BlockingQueue<Message> handOff;
    private final boolean transacted;

    private final Timer timer;
    private final Options options;

    private volatile boolean running;
    private Connection connection;
    private TimerTask retry;
    private int failedAttempts;

    /**
     * @param endpointFactory the server's factory for the message-driven bean's endpoints
     * @param spec the validated activation properties
     * @param settings the connection settings of this activation
     * @param workManager the adapter's work manager; deliveries run on its threads
     * @param timer the adapter's timer, for connection retries before the first connect
     * @param handOffCapacity messages the hand-off queue holds: enough that a busy worker finds
     *        its next messages waiting instead of parking after each one (a thread hand-off costs
     *        more than a small delivery), small next to jnats' own pending buffer
     * @throws ResourceException when the endpoint does not implement the listener interface
     */
    EndpointActivation(MessageEndpointFactory endpointFactory, ResolvedActivation spec,
                       ConnectionSettings settings, WorkManager workManager, Timer timer, int handOffCapacity)
            throws ResourceException {
        this.endpointFactory = endpointFactory;
        this.spec = spec;
        this.settings = settings;
        this.workManager = workManager;
        this.timer = timer;
        // An activation never gives up reconnecting: closed for good, its MDB would silently starve.
        this.options = settings.toOptions("mdb:" + spec.describe(), new StateLogger(),
                new ClientErrorLogger("NATS endpoint on " + spec.describe()) {
                    @Override
                    public void slowConsumerDetected(Connection conn, io.nats.client.Consumer consumer) {
                        slowConsumer();
                    }

                    @Override
                    public void heartbeatAlarm(Connection conn, io.nats.client.JetStreamSubscription sub,
                                               long lastStreamSequence, long lastConsumerSequence) {
                        LOG.log(Level.WARNING, "NATS endpoint on {0}: the pull consumer went silent (no message or "
                                + "heartbeat; typically its pull request died with a server restart); re-establishing it "
                                + "after stream sequence {1}", spec.describe(), lastStreamSequence);
                    }
                }).maxReconnects(-1).build();
        this.permits = new Semaphore(spec.maxConcurrency());
        this.handOff = new ArrayBlockingQueue<>(handOffCapacity);
        try {
            this.transacted = endpointFactory.isDeliveryTransacted(ON_MESSAGE);
        } catch (NoSuchMethodException e) {
            throw new ResourceException("The endpoint does not implement " + ON_MESSAGE, e);
        }
    }

    /**
     * Connects and subscribes. When no server can be reached yet, it logs that once and retries
     * every {@link #CONNECT_RETRY} on the adapter's timer until it connects or the activation is
     * stopped, so that a deployment does not depend on the order in which NATS and the
     * application server start. Once connected, jnats reconnects by itself, without limit.
     */
    public synchronized void start() throws ResourceException {
        running = true;
        boolean consuming;
        try {
            consuming = connectAndSubscribe();
        } catch (RuntimeException e) {
            running = false;
            closeQuietly();
            throw new ResourceException(e.getMessage(), e);
        }
        if (!consuming) {
            retry = new TimerTask() {
                @Override
                public void run() {
                    try {
                        if (connectAndSubscribe()) {
                            cancel();
                        }
                    } catch (RuntimeException e) {
                        cancel(); // refused for good (already logged); never kill the adapter's timer thread
                    }
                }
            };
            timer.schedule(retry, CONNECT_RETRY.toMillis(), CONNECT_RETRY.toMillis());
        }
    }

    private void closeQuietly() {
        if (connection != null) {
            try {
                connection.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            connection = null;
        }
    }

    /** @return true when connected and subscribed, or when there is nothing more to do (stopped) */
    private synchronized boolean connectAndSubscribe() {
        if (!running || connection != null) {
            return true;
        }
        try {
            connection = Nats.connect(options);
        } catch (IOException e) {
            Level level = failedAttempts++ == 0 ? Level.WARNING : Level.DEBUG;
            LOG.log(level, "NATS endpoint on {0}: cannot connect to {1} ({2}); retrying every {3}",
                    spec.describe(), settings.redactedServers(), ConnectionSettings.redactText(e.getMessage()),
                    CONNECT_RETRY);
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        try {
            consume(connection, this::onNatsMessage);
        } catch (IOException | RuntimeException e) {
            // The server answered but refused the consumer (missing stream, conflicting durable...):
            // retrying will not help; report it loudly and keep the connection for a redeploy.
            LOG.log(Level.ERROR, "NATS endpoint on " + spec.describe() + ": cannot consume: " + e.getMessage(), e);
            throw new IllegalStateException(e.getMessage(), e);
        }
        LOG.log(Level.INFO, "NATS endpoint activated on {0} via {1}, maxConcurrency {2}",
                spec.describe(), settings.redactedServers(), spec.maxConcurrency());
        return true;
    }

    /**
     * Stops taking messages, waits up to {@code bound} for in-flight deliveries, closes the connection.
     *
     * @param bound the longest wait for in-flight deliveries
     */
    public synchronized void stop(Duration bound) {
        if (!running) {
            return;
        }
        running = false;
        if (retry != null) {
            retry.cancel();
        }
        if (connection == null) {
            LOG.log(Level.INFO, "NATS endpoint on {0} stopped before it ever connected", spec.describe());
            return;
        }
        stopConsuming(); // nothing new arrives
        try {
            if (!permits.tryAcquire(spec.maxConcurrency(), bound.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.log(Level.WARNING, "NATS endpoint on {0}: deliveries still in flight after {1}; closing anyway",
                        spec.describe(), bound);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Message left; (left = handOff.poll()) != null; ) {
            notTaken(left); // handed over but never delivered: JetStream redelivers it elsewhere
        }
        try {
            connection.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LOG.log(Level.INFO, "NATS endpoint deactivated on {0}", spec.describe());
    }

    /**
     * @return a core or a JetStream activation, as the spec says (a {@code stream} means JetStream)
     * @throws ResourceException when the endpoint does not implement the listener interface
     */
    public static EndpointActivation create(MessageEndpointFactory endpointFactory, ResolvedActivation spec,
                                            ConnectionSettings settings, WorkManager workManager, Timer timer)
            throws ResourceException {
        return spec.jetStream() == null
                ? new CoreSubscriptionActivation(endpointFactory, spec, settings, workManager, timer)
                : new JetStreamActivation(endpointFactory, spec, settings, workManager, timer);
    }

    /**
     * Starts consuming on {@code connection}, handing every message to {@code handler}.
     *
     * @throws IOException when the server refuses the consumer
     */
    abstract void consume(Connection connection, io.nats.client.MessageHandler handler) throws IOException;

    /** Stops taking new messages; in-flight deliveries continue. */
    abstract void stopConsuming();

    /**
     * jnats reached this activation's pending limit and drops messages until the backlog shrinks;
     * called once per such episode, on a jnats callback thread.
     */
    void slowConsumer() {
        LOG.log(Level.WARNING, "NATS endpoint on {0}: slow consumer, messages are being dropped", spec.describe());
    }

    /**
     * @return messages the client dropped because the bean fell behind (core NATS only; a
     *         JetStream consumer never drops, it stops pulling)
     */
    public long droppedMessages() {
        return 0;
    }

    /** A message that arrived while stopping: it will not be delivered here. */
    abstract void notTaken(Message message);

    /**
     * @return whether this kind of activation settles messages in the endpoint's transaction
     *         (JetStream: yes; core NATS has nothing to settle)
     */
    abstract boolean settlesInTransaction();

    /** Settles a delivery once: nothing when the endpoint terminated it, else delivered or failed. */
    private void settle(DeliveredMessage delivered, Throwable failure) {
        if (delivered.terminated()) {
            return; // the endpoint settled it itself
        }
        if (failure == null) {
            delivered(delivered.message());
        } else {
            failed(delivered.message(), failure);
        }
    }

    /** After {@code onMessage} returned normally. */
    abstract void delivered(Message message);

    /** After {@code onMessage} threw, or no endpoint could be had before the activation stopped. */
    abstract void failed(Message message, Throwable failure);

    /** @return the activation's connection, once connected */
    final Connection connection() {
        return connection;
    }

    /** Runs on the jnats dispatcher thread: hand over (waiting, bounded and re-checked, while full). */
    private void onNatsMessage(Message message) throws InterruptedException {
        while (!handOff.offer(message, OFFER_WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
            if (!running) {
                notTaken(message);
                return;
            }
        }
        if (!running) {
            if (handOff.remove(message)) {
                notTaken(message);
            }
            return;
        }
        startWorkerIfRoom();
    }

    /** Starts one more worker unless {@code maxConcurrency} already run. */
    private void startWorkerIfRoom() {
        if (!permits.tryAcquire()) {
            return; // the running workers will take it
        }
        Worker worker = new Worker();
        try {
            workManager.scheduleWork(worker, WorkManager.INDEFINITE, null, worker);
        } catch (WorkException e) {
            worker.releasePermit();
            LOG.log(Level.ERROR, "NATS endpoint on " + spec.describe() + ": the work manager refused a delivery "
                    + "worker; waiting messages are delivered when another worker starts", e);
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
                    if (!running || released) {
                        notTaken(message);
                        continue;
                    }
                    deliver(message);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                if (reusable != null) {
                    reusable.release();
                    reusable = null;
                }
                releasePermit();
            }
        }

        private void deliver(Message message) {
            DeliveredMessage delivered = new DeliveredMessage(message);
            // A transacted delivery is settled by the transaction's outcome (commit: delivered;
            // rollback: failed, with the endpoint's exception as the reason when it threw one).
            Throwable[] failure = new Throwable[1];
            SettlementXAResource settlement = transacted && settlesInTransaction()
                    ? new SettlementXAResource(() -> settle(delivered, null),
                            () -> settle(delivered, failure[0] != null ? failure[0]
                                    : new IllegalStateException("the transaction rolled back")))
                    : null;
            // A settling transaction binds its XAResource to the endpoint: one endpoint per delivery then.
            if (settlement == null && reusable == null) {
                reusable = createEndpoint(null);
            }
            MessageEndpoint endpoint = settlement == null ? reusable : createEndpoint(settlement);
            if (endpoint == null) {
                notTaken(message);
                return;
            }
            try {
                if (transacted) {
                    endpoint.beforeDelivery(ON_MESSAGE);
                }
                try {
                    ((NatsMessageListener) endpoint).onMessage(delivered);
                } catch (Throwable e) { // an endpoint may throw anything; the subclass decides what follows
                    failure[0] = e;
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
                    endpoint.release();
                }
            }
            if (settlement == null || !settlement.settled()) {
                settle(delivered, failure[0]);
            }
        }

        /** @return an endpoint, or {@code null} when the activation stopped while the pool was exhausted */
        private MessageEndpoint createEndpoint(XAResource xaResource) {
            while (running && !released) {
                try {
                    return endpointFactory.createEndpoint(xaResource, CREATE_ENDPOINT_TIMEOUT_MILLIS);
                } catch (UnavailableException e) {
                    LOG.log(Level.DEBUG, "NATS endpoint on {0}: no endpoint available yet, retrying", spec.describe());
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
        }

        @Override
        public void workRejected(WorkEvent e) {
            releasePermit();
            LOG.log(Level.ERROR, "NATS endpoint on " + spec.describe() + ": the work manager rejected a delivery "
                    + "worker; waiting messages are delivered when another worker starts", e.getException());
        }

        @Override
        public void workStarted(WorkEvent e) {
        }

        @Override
        public void workCompleted(WorkEvent e) {
        }
    }

    /** Logs connection state changes of this activation once per change. */
    private final class StateLogger implements ConnectionListener {
        @Override
        @Deprecated // jnats still declares this one abstract; the four-argument form is called
        public void connectionEvent(Connection conn, Events type) {
            connectionEvent(conn, type, null, null);
        }

        @Override
        public void connectionEvent(Connection conn, Events type, Long time, String uriDetails) {
            Level level = switch (type) {
                case DISCONNECTED -> running ? Level.WARNING : Level.DEBUG;
                case CONNECTED, RECONNECTED, RESUBSCRIBED -> Level.INFO;
                default -> Level.DEBUG;
            };
            LOG.log(level, "NATS endpoint on {0}: connection {1} {2}", spec.describe(), type.getEvent(),
                    uriDetails == null ? "" : ConnectionSettings.redactText(uriDetails));
        }
    }
}
