package dev.natsjca.inbound;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Timer;
import java.util.TimerTask;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

import dev.natsjca.api.NatsActivationState;
import dev.natsjca.config.ConnectionSettings;
import dev.natsjca.monitoring.ActivationMonitor;
import dev.natsjca.monitoring.Stall;
import dev.natsjca.monitoring.Tracing;
import io.nats.client.Connection;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.MessageHandler;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.support.Status;
import jakarta.resource.ResourceException;
import jakarta.resource.spi.endpoint.MessageEndpointFactory;
import jakarta.resource.spi.work.Work;
import jakarta.resource.spi.work.WorkManager;

/**
 * One activation of a message-driven bean: one NATS connection, one consumer (a core subscription
 * or a JetStream pull consumer, see the subclasses), and the {@link Deliveries} that hand its
 * messages to endpoints on {@link WorkManager} threads. Subclasses say how to consume and how to
 * settle a message after the endpoint returned or threw.
 *
 * <h2>Getting to "consuming", and staying there</h2>
 * {@link #start()} makes the first attempt on the caller's thread, so that a configuration the
 * server refuses (a missing stream, a conflicting durable) fails the deployment with a message
 * naming the property. Every later attempt runs as a {@link Work} on the adapter's work manager,
 * scheduled by the adapter's timer (the timer thread itself never blocks on the network):
 * <ul>
 * <li>no server reachable: retried every {@link #CONNECT_RETRY}; once connected, jnats reconnects
 *     by itself without limit;</li>
 * <li>connected, but the consumer cannot be set up for a reason that may pass (a timeout, JetStream
 *     not ready, no meta leader yet: anything but a refusal of the configuration): retried after
 *     {@link #RETRY_MIN}, doubling up to {@link #RETRY_MAX};</li>
 * <li>a refusal of the configuration ({@link ConfigurationException}) ends the activation with an
 *     ERROR: nothing a retry could change.</li>
 * </ul>
 * A running activation whose consumer is lost (see {@link #restartConsuming}) goes back to
 * "connected" and takes the same path.
 *
 * <h2>Shutdown</h2>
 * In phases, so that an adapter stops many activations within one bound ({@link Deactivation}):
 * {@link #beginStop()} stops taking messages; {@link #awaitDeliveries} waits for deliveries in
 * flight; {@link #drain} gives back what was handed over but not delivered and drains the
 * connection, which gives back what jnats still holds, then closes it.
 */
public abstract class EndpointActivation {

    protected static final System.Logger LOG = System.getLogger(EndpointActivation.class.getName());

    /** Pause between connection attempts until the first connect succeeds. */
    static final Duration CONNECT_RETRY = Duration.ofSeconds(2);
    /** First pause after a consumer could not be set up for a transient reason; it doubles from here. */
    static final Duration RETRY_MIN = Duration.ofSeconds(1);
    /** Longest pause between attempts to set up a consumer. */
    static final Duration RETRY_MAX = Duration.ofSeconds(30);

    /** What the activation is doing. */
    public enum State {
        /** No connection yet: retrying to connect. */
        CONNECTING,
        /** Connected, the consumer not (yet, or no longer) set up: retrying. */
        CONNECTED,
        /** Consuming. */
        CONSUMING,
        /** The server refused the configuration; nothing is consumed until a redeploy. */
        FAILED,
        /** Stopping or stopped. */
        STOPPED
    }

    protected final ResolvedActivation spec;
    protected final ConnectionSettings settings;
    private final ActivationScheduler scheduler;
    private final Options options;
    private final Deliveries deliveries;
    /** Which messages are delivered; {@code null} without a selector: all. */
    private final Selection selection;
    private final ActivationMonitor monitor;
    private final Tracing tracing;

    /** Longest a subscription's drain waits for the server to confirm the unsubscribe. */
    static final Duration STOP_FLUSH = Duration.ofSeconds(2);
    
    /** Held by the one attempt that runs; the activation's lock is not held across its network calls. */
    private final java.util.concurrent.locks.ReentrantLock attempting = new java.util.concurrent.locks.ReentrantLock();

    // Guarded by this.
    private State state = State.CONNECTING;
    private Connection connection;
    private TimerTask pendingAttempt;
    /** Completes when the subscription stopped taking messages (set by {@link #beginStop}). */
    private CompletableFuture<Void> stoppedTaking = CompletableFuture.completedFuture(null);
    private int failedAttempts;
    private boolean attemptFailureLogged;
    /** Once it consumed, a refusal (e.g. the stream deleted under it) is retried: an operator may undo it. */
    private boolean consumedBefore;

    /**
     * @param endpointFactory the server's factory for the message-driven bean's endpoints
     * @param spec the validated activation properties
     * @param settings the connection settings of this activation
     * @param workManager the adapter's work manager; deliveries and retries run on its threads
     * @param timer the adapter's timer: it schedules retries, never runs them
     * @param handOffCapacity messages the hand-off queue holds, see {@link Deliveries}
     * @param monitor where the activation reports its state and counts
     * @param tracing trace context for deliveries
     * @throws ResourceException when the endpoint does not implement the listener interface
     */
    protected EndpointActivation(MessageEndpointFactory endpointFactory, ResolvedActivation spec,
                                 ConnectionSettings settings, WorkManager workManager, Timer timer, int handOffCapacity,
                                 ActivationMonitor monitor, Tracing tracing)
            throws ResourceException {
        this.spec = spec;
        this.monitor = monitor;
        this.tracing = tracing;
        this.settings = settings;
        this.scheduler = new ActivationScheduler(timer, workManager, "NATS endpoint on " + spec.describe(),
                this::isRunning);
        // An activation never gives up reconnecting: closed for good, its MDB would silently starve.
        this.options = settings.toOptions("mdb:" + spec.describe(), new ConnectionEvents.States(this),
                new ConnectionEvents.Errors(this))
                .maxReconnects(-1).build();
        this.deliveries = new Deliveries(this, endpointFactory, workManager, timer, spec.maxConcurrency(),
                handOffCapacity);
        this.selection = spec.selector() == null ? null
                : new Selection(spec.selector(), "NATS endpoint on " + spec.describe(), monitor);
        monitor.probes(deliveries::waiting, () -> droppedMessages() + notDeliveredAtStop(), () -> {
            Stall wedged = deliveries.stall();
            return wedged != null ? wedged : consumerStall();
        });
    }

    /** The server's registry: a transacted delivery is settled after every resource committed. */
    private volatile jakarta.transaction.TransactionSynchronizationRegistry transactions;

    /**
     * @param registry the server's transaction registry (from the bootstrap context), or
     *        {@code null}: then a transacted delivery is settled when its settlement resource commits
     */
    public final void transactions(jakarta.transaction.TransactionSynchronizationRegistry registry) {
        this.transactions = registry;
    }

    /** @return the server's transaction registry, or {@code null} */
    final jakarta.transaction.TransactionSynchronizationRegistry transactions() {
        return transactions;
    }

    /** @return where this activation reports its state and counts */
    public final ActivationMonitor monitor() {
        return monitor;
    }

    /** @return trace context for this activation's deliveries */
    protected final Tracing tracing() {
        return tracing;
    }

    /**
     * @return why a consuming activation receives nothing although it is connected (its consumer's
     *         view), or {@code null}; called when a status snapshot is taken, so it must be quick
     */
    protected Stall consumerStall() {
        return null;
    }

    /**
     * Connects and starts consuming, or, when the server cannot be reached or the consumer cannot be
     * set up yet for a reason that may pass, schedules retries and returns: deployment order does
     * not matter.
     *
     * @throws ResourceException when the server refuses the configuration
     */
    public void start() throws ResourceException {
        synchronized (this) {
            if (state != State.CONNECTING || connection != null) {
                throw new IllegalStateException("NATS endpoint on " + spec.describe() + " already started");
            }
        }
        try {
            attempt(true);
        } catch (ConfigurationException e) {
            throw new ResourceException(e.getMessage(), e);
        }
    }

    /** @return what the activation is doing now */
    public synchronized State state() {
        return state;
    }

    /**
     * One step towards consuming: connect if needed, then set up the consumer. Runs on the
     * deploying thread the first time, later as work on the work manager; one at a time. The
     * network calls run without the activation's lock, so that stopping never waits for them:
     * an attempt that finds the activation stopped when it is done undoes what it set up.
     *
     * @param first whether a configuration error should be thrown (to fail the deployment)
     *        rather than end the activation with an ERROR
     */
    private void attempt(boolean first) throws ConfigurationException {
        if (!attempting.tryLock()) {
            return; // one runs; it schedules what comes next
        }
        try {
            Connection c;
            synchronized (this) {
                if (state == State.STOPPED || state == State.FAILED || state == State.CONSUMING) {
                    return;
                }
                c = connection;
            }
            if (c == null) {
                try {
                    c = Nats.connect(options);
                } catch (IOException e) {
                    synchronized (this) {
                        Level level = failedAttempts++ == 0 ? Level.WARNING : Level.DEBUG;
                        LOG.log(level, "NATS endpoint on {0}: cannot connect to {1} ({2}); retrying every {3}",
                                spec.describe(), settings.redactedServers(),
                                ConnectionSettings.redactText(e.getMessage()), CONNECT_RETRY);
                        scheduleAttempt(CONNECT_RETRY);
                    }
                    return;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    synchronized (this) {
                        scheduleAttempt(CONNECT_RETRY);
                    }
                    return;
                }
                synchronized (this) {
                    if (state == State.STOPPED) {
                        closeConnection(c);
                        return;
                    }
                    connection = c;
                    state = State.CONNECTED;
                    failedAttempts = 0;
                    if (c.getStatus() == Connection.Status.CONNECTED) { // else a DISCONNECTED event came first
                        monitor.connected(ConnectionSettings.redactText(c.getConnectedUrl()));
                    }
                    monitor.state(NatsActivationState.SETTING_UP);
                }
            }
            try {
                consume(c, this::handOver);
            } catch (ConfigurationException e) {
                stopConsumingQuietly(STOP_FLUSH);
                refused(e, first);
                return;
            } catch (IOException | RuntimeException e) {
                stopConsumingQuietly(STOP_FLUSH);
                notYet(e);
                return;
            }
            boolean stoppedMeanwhile;
            synchronized (this) {
                stoppedMeanwhile = state == State.STOPPED;
                if (!stoppedMeanwhile) {
                    state = State.CONSUMING;
                    monitor.state(NatsActivationState.CONSUMING);
                    consumedBefore = true;
                    failedAttempts = 0;
                    attemptFailureLogged = false;
                    LOG.log(Level.INFO, "NATS endpoint activated on {0} via {1}, maxConcurrency {2}",
                            spec.describe(), settings.redactedServers(), spec.maxConcurrency());
                }
            }
            if (stoppedMeanwhile) {
                stopConsumingQuietly(STOP_FLUSH); // set up after the stop began: undo it
            }
        } finally {
            attempting.unlock();
        }
    }

    /** The server refused the configuration. */
    private synchronized void refused(ConfigurationException e, boolean first) throws ConfigurationException {
        if (state == State.STOPPED) {
            return;
        }
        if (consumedBefore) {
            Duration pause = retryPause(failedAttempts++);
            LOG.log(Level.ERROR, "NATS endpoint on {0}: {1}; retrying in {2}", spec.describe(), e.getMessage(), pause);
            scheduleAttempt(pause);
            return;
        }
        LOG.log(Level.ERROR, "NATS endpoint on " + spec.describe() + ": " + e.getMessage()
                + (first ? "" : "; the activation stops consuming until it is redeployed"));
        state = first ? State.STOPPED : State.FAILED;
        monitor.refused(e.getMessage());
        closeQuietly();
        if (first) {
            throw e;
        }
    }

    /** The consumer could not be set up for a reason that may pass. */
    private synchronized void notYet(Exception e) {
        if (state == State.STOPPED) {
            return;
        }
        Duration pause = retryPause(failedAttempts++);
        if (!attemptFailureLogged) {
            attemptFailureLogged = true;
            LOG.log(Level.WARNING, "NATS endpoint on " + spec.describe() + ": cannot consume yet ("
                    + ConnectionSettings.redactText(e.getMessage()) + "); retrying, at most every " + RETRY_MAX, e);
        } else {
            LOG.log(Level.DEBUG, "NATS endpoint on {0}: still cannot consume ({1}); next try in {2}",
                    spec.describe(), e.getMessage(), pause);
        }
        scheduleAttempt(pause);
    }

    static Duration retryPause(int failures) {
        long millis = RETRY_MIN.toMillis() << Math.min(failures, 10);
        return Duration.ofMillis(Math.min(millis, RETRY_MAX.toMillis()));
    }

    /**
     * The consumer stopped working while the connection is fine (deleted on the server, for
     * instance): stop what is left of it and set it up again, as at start, with retries.
     *
     * @param level how loud to log it
     * @param why for the log
     */
    protected final void restartConsuming(Level level, String why) {
        synchronized (this) {
            if (state != State.CONSUMING) {
                return;
            }
            LOG.log(level, "NATS endpoint on {0}: {1}; setting the consumer up again", spec.describe(), why);
            state = State.CONNECTED;
            monitor.state(NatsActivationState.SETTING_UP);
        }
        stopConsumingQuietly(STOP_FLUSH);
        synchronized (this) {
            scheduleAttempt(Duration.ZERO);
        }
    }

    /** The connection is back: an activation still setting its consumer up tries now, not after its pause. */
    synchronized void attemptSoon() {
        if (state == State.CONNECTED) {
            if (pendingAttempt != null) {
                pendingAttempt.cancel();
                pendingAttempt = null;
            }
            scheduleAttempt(Duration.ZERO);
        }
    }

    /** Schedules one attempt (at most one is pending); the timer only submits it as work. */
    private void scheduleAttempt(Duration delay) {
        if (pendingAttempt != null || state == State.STOPPED) {
            return;
        }
        pendingAttempt = new GuardedTimerTask("NATS endpoint on " + spec.describe()) {
            @Override
            protected void runGuarded() {
                synchronized (EndpointActivation.this) {
                    if (pendingAttempt == this) {
                        pendingAttempt = null;
                    }
                }
                scheduler.runAsWork(() -> {
                    try {
                        attempt(false);
                    } catch (ConfigurationException e) {
                        throw new IllegalStateException(e); // attempt(false) ends the activation instead
                    }
                }, () -> {
                    synchronized (EndpointActivation.this) {
                        scheduleAttempt(RETRY_MIN); // the work manager said no: ask again later
                    }
                });
            }
        };
        scheduler.onTimer(pendingAttempt, delay);
    }

    /** @return where the activation's background tasks are scheduled */
    protected final ActivationScheduler scheduler() {
        return scheduler;
    }

    /** @return the activation's validated properties */
    public final ResolvedActivation resolved() {
        return spec;
    }

    /** @return whether the activation still runs (not stopping, not stopped, not failed) */
    protected final synchronized boolean isRunning() {
        return state != State.STOPPED && state != State.FAILED;
    }

    /**
     * Stops and deactivates at once, waiting up to {@code bound} in all: {@link #beginStop()},
     * {@link #awaitDeliveries}, {@link #drain}.
     *
     * @param bound the longest wait for in-flight deliveries and the drain together
     */
    public void stop(Duration bound) {
        Deactivation.stopAll(java.util.List.of(this), bound);
    }

    /**
     * First phase of deactivation: nothing new is taken (retries are cancelled at once; the
     * subscription's drain waits for the server on the connection's executor, so that many
     * activations stop side by side); deliveries in flight go on.
     *
     * @param deadlineNanos {@link System#nanoTime()} by which the whole deactivation must be over
     * @return whether there is more to do (false when it never connected or was stopped already)
     */
    public final boolean beginStop(long deadlineNanos) {
        Connection c;
        synchronized (this) {
            if (state == State.STOPPED) {
                return false;
            }
            state = State.STOPPED;
            monitor.state(NatsActivationState.STOPPED);
            if (pendingAttempt != null) {
                pendingAttempt.cancel();
                pendingAttempt = null;
            }
            deliveries.stop();
            c = connection;
        }
        stopping();
        if (c == null) {
            LOG.log(Level.INFO, "NATS endpoint on {0} stopped before it ever connected", spec.describe());
            return false; // an attempt connecting now closes its connection when it sees the stop
        }
        Duration flush = Deactivation.boundedBy(STOP_FLUSH, deadlineNanos);
        CompletableFuture<Void> stopped = Deactivation.onExecutorOf(c, () -> stopConsumingQuietly(flush));
        synchronized (this) {
            stoppedTaking = stopped;
        }
        return true;
    }

    /**
     * Second phase: waits until the deliveries in flight have ended.
     *
     * @param deadlineNanos {@link System#nanoTime()} by which to give up
     * @return whether they all ended in time
     */
    public final boolean awaitDeliveries(long deadlineNanos) {
        CompletableFuture<Void> stopped;
        synchronized (this) {
            stopped = stoppedTaking;
        }
        if (!Deactivation.await(stopped, deadlineNanos)) {
            LOG.log(Level.DEBUG, "NATS endpoint on {0}: its subscription had not stopped by the deactivation bound",
                    spec.describe());
        }
        boolean done = deliveries.awaitIdle(deadlineNanos);
        if (!done) {
            LOG.log(Level.WARNING, "NATS endpoint on {0}: deliveries still in flight at the deactivation bound; "
                    + "closing anyway (JetStream redelivers them after ackWait)", spec.describe());
        }
        return done;
    }

    /**
     * Third phase: gives back what was handed over but not delivered, then drains the connection
     * (unsubscribes at the server, gives back what jnats had already received, flushes those
     * replies) and closes it.
     *
     * @param deadlineNanos by when the drain must be over; the connection is then closed anyway
     * @return completes when the connection is closed
     */
    public final CompletableFuture<Void> drain(long deadlineNanos) {
        Connection c;
        synchronized (this) {
            c = connection;
        }
        deliveries.returnWaiting();
        if (c == null) {
            return CompletableFuture.completedFuture(null);
        }
        // jnats' drain starts with a blocking flush: on the connection's executor, so that the
        // drains of many activations wait side by side, not one after another.
        Duration left = Deactivation.boundedBy(Duration.ofNanos(Long.MAX_VALUE), deadlineNanos);
        CompletableFuture<Boolean> drained = new CompletableFuture<>();
        if (c.getStatus() == Connection.Status.CONNECTED) { // else nothing can be given back: just close
            Deactivation.onExecutorOf(c, () -> {
                try {
                    c.drain(left).whenComplete((ok, failure) -> drained.complete(Boolean.TRUE.equals(ok)));
                } catch (IllegalStateException | TimeoutException e) {
                    LOG.log(Level.DEBUG, "NATS endpoint on {0}: drain: {1}", spec.describe(), e.toString());
                    drained.complete(false);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    drained.complete(false);
                } catch (RuntimeException e) {
                    drained.completeExceptionally(e);
                }
            });
        } else {
            drained.complete(false);
        }
        return drained.handle((ok, failure) -> {
            closeConnection(c);
            long dropped = droppedMessages();
            if (dropped > 0) {
                LOG.log(Level.WARNING, "NATS endpoint on {0}: {1} messages were dropped in all because the "
                        + "message-driven bean fell behind (maxPending {2})", spec.describe(), dropped, spec.maxPending());
            }
            long notDelivered = notDeliveredAtStop();
            if (notDelivered > 0) {
                LOG.log(Level.WARNING, "NATS endpoint on {0}: {1} messages received but not yet delivered when the "
                        + "activation stopped are gone (core NATS is at-most-once)", spec.describe(), notDelivered);
            }
            LOG.log(Level.INFO, "NATS endpoint deactivated on {0}", spec.describe());
            return null;
        });
    }

    private static void closeConnection(Connection c) {
        try {
            c.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void closeQuietly() {
        if (connection != null) {
            closeConnection(connection);
            connection = null;
        }
    }

    private void stopConsumingQuietly(Duration flush) {
        try {
            stopConsuming(flush);
        } catch (RuntimeException e) {
            LOG.log(Level.DEBUG, "NATS endpoint on {0}: stopping the consumer: {1}", spec.describe(), e.toString());
        }
    }

    /**
     * Starts consuming on {@code connection}, handing every message to {@code handler}.
     *
     * @throws ConfigurationException when the server refuses the configuration: retrying cannot help
     * @throws IOException for anything that may pass (timeouts, JetStream unavailable, ...)
     */
    protected abstract void consume(Connection connection, MessageHandler handler)
            throws ConfigurationException, IOException;

    /**
     * Stops taking new messages; deliveries in flight continue. Called without the activation's lock.
     *
     * @param flush the longest wait for the server to confirm that the subscription ended
     */
    protected abstract void stopConsuming(Duration flush);

    /**
     * jnats reached this activation's pending limit and drops messages until the backlog shrinks;
     * called once per such episode, on a jnats callback thread.
     */
    protected void slowConsumer() {
        LOG.log(Level.WARNING, "NATS endpoint on {0}: slow consumer, messages are being dropped", spec.describe());
    }

    /** The connection came back after a disconnect (jnats has re-subscribed). */
    protected void reconnected() {
    }

    /** A JetStream pull consumer went silent: no message and no heartbeat for several intervals. */
    protected void heartbeatAlarm(JetStreamSubscription sub, long lastStreamSequence) {
    }

    /**
     * The server answered a pull on {@code sub} with a status that ends it: a warning (408
     * expired, 409 limits exceeded, 503, ...) or an error (e.g. 409 Consumer Deleted).
     */
    protected void pullStatus(JetStreamSubscription sub, Status status, boolean error) {
    }

    /**
     * @return messages the client dropped because the bean fell behind (core NATS only; a
     *         JetStream consumer never drops, it stops pulling)
     */
    public long droppedMessages() {
        return 0;
    }

    /** @return messages received but dropped because the activation stopped (core NATS); 0 by default */
    protected long notDeliveredAtStop() {
        return 0;
    }

    /** The activation stops (once, before its subscription does): nothing is taken from here on. */
    protected void stopping() {
    }

    /** A message that was received but will not be delivered here (stopping, or no endpoint came). */
    protected abstract void notTaken(Message message);

    /**
     * @return whether this kind of activation settles messages in the endpoint's transaction
     *         (JetStream: yes; core NATS has nothing to settle)
     */
    protected abstract boolean settlesInTransaction();

    /**
     * Checks what an answering endpoint returned while its transaction is still open.
     *
     * @return why the reply cannot be sent (then the transaction rolls back), or {@code null}
     */
    protected RuntimeException unsendable(DeliveredMessage delivery) {
        return null;
    }

    /**
     * After the endpoint's method returned normally, or its transaction committed (the method
     * may have thrown an exception that kept the transaction: {@link DeliveredMessage#thrown()}).
     */
    protected abstract void delivered(DeliveredMessage delivery);

    /** After the endpoint's method threw (or its transaction rolled back). */
    protected abstract void failed(DeliveredMessage delivery, Throwable failure);

    /**
     * Hands a received message to the delivery workers, unless the activation's selector does not
     * match it: then {@link #filtered} has it. Runs on the client's dispatcher thread.
     */
    private void handOver(Message message) {
        if (selection != null && !selection.delivers(message)) {
            filtered(message);
            return;
        }
        deliveries.accept(message);
    }

    /**
     * A message the selector did not match: not delivered. Core NATS: nothing more to do;
     * JetStream acknowledges it.
     */
    protected void filtered(Message message) {
    }

    /**
     * Watches a delivery while its bean runs: JetStream keeps the messages alive and ends the
     * delivery at {@code maxProcessingTime}; by default nothing.
     *
     * @param messages the delivery's messages
     * @param timedOut called (once, on another thread) when the delivery ran too long, with the failure to settle it with
     * @return the watch, closed when the delivery ends
     */
    protected DeliveryWatch watch(java.util.List<Message> messages, java.util.function.Consumer<Throwable> timedOut) {
        return DeliveryWatch.NONE;
    }

    /** The endpoint settled the message itself ({@code term()}): nothing more happens to it. */
    protected void settledByEndpoint(Message message) {
    }

    /** @return the activation's connection, once connected */
    protected final synchronized Connection connection() {
        return connection;
    }

    /** @return the description for logs */
    protected final String describe() {
        return spec.describe();
    }
}
