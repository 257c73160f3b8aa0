package dev.natsjca.inbound.jetstream;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Timer;
import java.util.TimerTask;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import dev.natsjca.config.ConnectionSettings;
import dev.natsjca.inbound.ConfigurationException;
import dev.natsjca.inbound.EndpointActivation;
import dev.natsjca.inbound.ResolvedActivation;
import io.nats.client.Connection;
import io.nats.client.ConsumeOptions;
import io.nats.client.ConsumerContext;
import io.nats.client.Dispatcher;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.MessageConsumer;
import io.nats.client.MessageHandler;
import io.nats.client.PublishOptions;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.support.Status;
import jakarta.resource.ResourceException;
import jakarta.resource.spi.endpoint.MessageEndpointFactory;
import jakarta.resource.spi.work.WorkManager;

/**
 * An activation on a JetStream consumer (durable or ephemeral), consumed by pull through jnats'
 * consumer context: bounded batches, pull requests that expire, with idle heartbeats.
 *
 * <h2>At-least-once, and who ends retries</h2>
 * A message is acked after {@code onMessage} returns (or its transaction commits). When it throws
 * (or rolls back) and its delivery count (the server's, from the message's metadata) is below
 * {@code maxDeliver}, it is nak'ed with the backoff delay for that count; from {@code maxDeliver}
 * on, a failed delivery is dead-lettered ({@link DeadLetters}) and then terminated, or, without a
 * dead-letter subject, terminated and logged. The consumer on the server has no delivery limit of
 * its own, so the server never stops redelivering a message the adapter has not ended: deliveries
 * that were not failures (given back at deactivation, redelivered after {@code ackWait}) count
 * as deliveries but never end a message, and a dead letter that cannot be stored is retried by
 * redelivering the message after a delay, never left waiting for a redelivery that cannot come.
 *
 * <h2>A consumer that disappears</h2>
 * A consumer can vanish while the connection is fine: an operator deletes a durable, or an
 * ephemeral consumer expires on a server that restarted or was cut off. The activation notices
 * it from the pull's status (409 Consumer Deleted, no responders), from jnats' heartbeat alarm,
 * after a reconnect, and from a check every {@link #CONSUMER_CHECK_INTERVAL}; it logs a WARNING
 * and sets the consumer up again with the same settings, starting at the oldest stream sequence
 * that may not be settled: the oldest message this activation holds unsettled, else the one after
 * the last it received, and, for a durable (which other activations may share), no later than
 * one after the ack floor seen at the last check. Messages from there on are redelivered
 * (at-least-once: some may come twice).
 */
public final class JetStreamActivation extends EndpointActivation {

    /**
     * Pull requests expire after this. jnats asks for idle heartbeats every half of it and, after
     * three missed ones, re-subscribes and pulls again: a consumer whose pull request died (server
     * restart, lost route) resumes within 1.5 x this, instead of waiting silently forever.
     */
    private static final long PULL_EXPIRES_MILLIS = 10_000;
    /** How long publishing a dead letter may take. */
    private static final Duration DEAD_LETTER_TIMEOUT = Duration.ofSeconds(10);
    /** The shortest pause before a message whose dead letter could not be stored comes back. */
    static final Duration DEAD_LETTER_RETRY_MIN = Duration.ofSeconds(2);
    /** How long a message given back at deactivation waits before the server redelivers it. */
    static final Duration GIVE_BACK_DELAY = Duration.ofSeconds(1);
    /** How often the consumer's presence (and ack floor) is checked on the server. */
    static final Duration CONSUMER_CHECK_INTERVAL = Duration.ofSeconds(10);

    private static final int STREAM_NOT_FOUND = 10059;
    private static final int CONSUMER_NOT_FOUND = 10014;
    private static final int STREAM_NAME_IN_USE = 10058;

    /** How long stopping may wait for the dispatcher's unsubscribe to reach the server. */
    private static final Duration STOP_FLUSH = Duration.ofSeconds(2);

    private final JetStreamSettings js;
    private volatile MessageConsumer consumer;
    /** The consumer's own dispatcher: drained at deactivation, see {@link #stopConsuming()}. */
    private volatile Dispatcher dispatcher;
    /** Set while the consumer stops: deliveries of jnats' queue wait for it, so jnats pulls no more. */
    private volatile CountDownLatch stopping;
    private volatile JetStream jetStream;
    private volatile JetStreamManagement jsm;
    private volatile String consumerName;

    /** Stream sequences received and not yet ended here: in flight, waiting, or nak'ed for redelivery. */
    private final ConcurrentSkipListSet<Long> unsettled = new ConcurrentSkipListSet<>();
    private final AtomicLong lastReceived = new AtomicLong();
    /** The consumer's ack floor (stream sequence) as last seen on the server; -1 before it was seen. */
    private volatile long ackFloor = -1;
    private final AtomicBoolean checkPending = new AtomicBoolean();
    private volatile TimerTask periodicCheck;
    private volatile boolean deadLetterFailing;

    /**
     * @param endpointFactory the server's factory for the message-driven bean's endpoints
     * @param spec the validated activation properties, with JetStream settings
     * @param settings the connection settings of this activation
     * @param workManager the adapter's work manager
     * @param timer the adapter's timer
     * @throws ResourceException when the endpoint does not implement the listener interface
     */
    public JetStreamActivation(MessageEndpointFactory endpointFactory, ResolvedActivation spec,
                               ConnectionSettings settings, WorkManager workManager, Timer timer)
            throws ResourceException {
        // One pull batch at most waits for a worker, on top of the batch jnats holds: every waiting
        // message is unacknowledged, so the wait must stay well inside ackWait.
        super(endpointFactory, spec, settings, workManager, timer, spec.jetStream().batchSize());
        this.js = spec.jetStream();
    }

    @Override
    protected void consume(Connection connection, MessageHandler handler) throws ConfigurationException, IOException {
        MessageConsumer old = consumer;
        if (old != null) {
            closeQuietly(old); // what is left of a consumer that disappeared
            consumer = null;
        }
        Dispatcher oldDispatcher = dispatcher;
        if (oldDispatcher != null && oldDispatcher.isActive()) {
            connection.closeDispatcher(oldDispatcher);
        }
        try {
            JetStreamManagement m = connection.jetStreamManagement();
            jsm = m;
            ensureStream(m);
            if (js.deadLetterSubject() != null && m.getStreamNames(js.deadLetterSubject()).isEmpty()) {
                throw new ConfigurationException("Invalid value for property 'deadLetterSubject': '"
                        + js.deadLetterSubject() + "': no stream stores that subject, so dead letters would be lost");
            }
            jetStream = connection.jetStream();
            ConsumerContext context = setUpConsumer(connection, m);
            ConsumerInfo info = context.getCachedConsumerInfo();
            if (info != null) {
                ackFloor = info.getAckFloor().getStreamSequence();
            }
            Dispatcher d = connection.createDispatcher();
            dispatcher = d;
            stopping = null;
            MessageConsumer c = context.consume(ConsumeOptions.builder().batchSize(js.batchSize())
                    .expiresIn(PULL_EXPIRES_MILLIS).raiseStatusWarnings().build(), d, m2 -> {
                        received(m2);
                        handler.onMessage(m2);
                        CountDownLatch l = stopping;
                        if (l != null) {
                            l.await(STOP_FLUSH.toMillis(), TimeUnit.MILLISECONDS);
                        }
                    });
            consumer = c;
            consumerName = c.getConsumerName();
        } catch (JetStreamApiException e) {
            throw refusal(e);
        }
        startPeriodicCheck();
    }

    /**
     * @return the consumer to consume from: a durable that exists is bound, with this activation's
     *         settings where they may change; otherwise a new consumer, starting where
     *         {@code deliverPolicy} says, or, when it is set up again, where {@link #resumeFrom()} says
     */
    private ConsumerContext setUpConsumer(Connection connection, JetStreamManagement m)
            throws IOException, JetStreamApiException {
        long resumeFrom = resumeFrom();
        if (js.durable() == null) {
            String known = consumerName;
            if (known != null && exists(m, known)) {
                return connection.getStreamContext(js.stream()).getConsumerContext(known); // pulling again
            }
            return connection.getStreamContext(js.stream()).createOrUpdateConsumer(js.newConsumer(spec.subject(),
                    resumeFrom));
        }
        ConsumerConfiguration existing = existingDurable(m);
        if (existing == null) {
            try {
                if (resumeFrom > 0) {
                    LOG.log(Level.WARNING, "NATS endpoint on {0}: creating durable {1} again, from stream sequence {2}",
                            describe(), js.durable(), resumeFrom);
                }
                return connection.getStreamContext(js.stream())
                        .createOrUpdateConsumer(js.newConsumer(spec.subject(), resumeFrom));
            } catch (JetStreamApiException e) {
                // Another activation may have created it meanwhile, from another position: bind to that one.
                existing = existingDurable(m);
                if (existing == null) {
                    throw e;
                }
            }
        }
        return connection.getStreamContext(js.stream()).createOrUpdateConsumer(js.updateOf(existing, spec.subject()));
    }

    private boolean exists(JetStreamManagement m, String consumer) throws IOException, JetStreamApiException {
        try {
            m.getConsumerInfo(js.stream(), consumer);
            return true;
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() == CONSUMER_NOT_FOUND) {
                return false;
            }
            throw e;
        }
    }

    private ConsumerConfiguration existingDurable(JetStreamManagement m) throws IOException, JetStreamApiException {
        try {
            return m.getConsumerInfo(js.stream(), js.durable()).getConsumerConfiguration();
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() == CONSUMER_NOT_FOUND) {
                return null;
            }
            throw e;
        }
    }

    /**
     * @return 0 when this activation never consumed (the consumer starts where its settings say);
     *         else the oldest stream sequence that may not be settled, see the class comment
     */
    long resumeFrom() {
        long last = lastReceived.get();
        long floor = ackFloor;
        if (floor < 0) {
            return 0;
        }
        long from = last > 0 ? last + 1 : floor + 1;
        Long oldest = unsettled.isEmpty() ? null : unsettled.first();
        if (oldest != null && oldest < from) {
            from = oldest;
        }
        if (js.durable() != null && floor + 1 < from) {
            from = floor + 1;
        }
        return Math.max(1, from);
    }

    private void ensureStream(JetStreamManagement m) throws ConfigurationException, IOException, JetStreamApiException {
        try {
            m.getStreamInfo(js.stream());
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() != STREAM_NOT_FOUND) {
                throw e;
            }
            if (!js.createStream()) {
                throw new ConfigurationException("Invalid value for property 'stream': '" + js.stream()
                        + "': no such stream on the server (set createStream=true and streamSubjects to create it)", e);
            }
            try {
                m.addStream(StreamConfiguration.builder().name(js.stream()).subjects(js.streamSubjects())
                        .storageType(StorageType.File).build());
                LOG.log(Level.INFO, "NATS endpoint on {0}: created stream {1} for {2}", describe(), js.stream(),
                        js.streamSubjects());
            } catch (JetStreamApiException inUse) {
                if (inUse.getApiErrorCode() != STREAM_NAME_IN_USE) {
                    throw inUse;
                }
            }
        }
    }

    /**
     * @return a refusal of the configuration (the server answered 400, bad request), to end the activation
     * @throws IOException for anything else, which may pass (5xx: JetStream not ready, no meta leader, ...)
     */
    private ConfigurationException refusal(JetStreamApiException e) throws IOException {
        String what = "JetStream refused the consumer for stream '" + js.stream() + "'"
                + (js.durable() == null ? "" : ", durable '" + js.durable() + "'") + ": " + e.getErrorDescription()
                + " (error " + e.getApiErrorCode() + ")";
        if (e.getErrorCode() == 400) {
            return new ConfigurationException(what + "; an existing durable with different settings the server "
                    + "cannot change must be deleted or renamed", e);
        }
        throw new IOException(what, e);
    }

    private void received(Message message) {
        if (message.isJetStream()) {
            long seq = message.metaData().streamSequence();
            unsettled.add(seq);
            lastReceived.accumulateAndGet(seq, Math::max);
        }
    }

    private void ended(Message message) {
        unsettled.remove(message.metaData().streamSequence());
    }

    private void startPeriodicCheck() {
        if (periodicCheck != null) {
            return;
        }
        TimerTask t = new TimerTask() {
            @Override
            public void run() {
                if (!isRunning()) {
                    cancel();
                    return;
                }
                scheduleCheck(Duration.ZERO);
            }
        };
        periodicCheck = t;
        timer().schedule(t, CONSUMER_CHECK_INTERVAL.toMillis(), CONSUMER_CHECK_INTERVAL.toMillis());
    }

    /** Asks the server, soon, whether the consumer still exists (at most one check pending). */
    private void scheduleCheck(Duration delay) {
        if (checkPending.compareAndSet(false, true)) {
            schedule(delay, () -> {
                checkPending.set(false);
                check();
            });
        }
    }

    /** Looks the consumer up: notes its ack floor, or sets it up again when it is gone. */
    private void check() {
        JetStreamManagement m = jsm;
        String name = consumerName;
        if (m == null || name == null || state() != State.CONSUMING) {
            return;
        }
        try {
            long floor = m.getConsumerInfo(js.stream(), name).getAckFloor().getStreamSequence();
            ackFloor = floor;
            unsettled.headSet(floor, true).clear(); // settled everywhere, e.g. by another activation
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() == CONSUMER_NOT_FOUND || e.getApiErrorCode() == STREAM_NOT_FOUND) {
                restartConsuming(Level.WARNING, "consumer '" + name + "' of stream '" + js.stream() + "' is gone from the server ("
                        + e.getErrorDescription() + "; deleted by an operator, or an ephemeral consumer that expired)");
            } else {
                LOG.log(Level.DEBUG, "NATS endpoint on {0}: consumer check: {1}", describe(), e.toString());
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.DEBUG, "NATS endpoint on {0}: consumer check: {1}", describe(), e.toString());
        }
    }

    /**
     * After a reconnect the consumer may be gone (an ephemeral one that expired meanwhile): check.
     * The pull itself is left to jnats: a pull request that survived on the server still delivers
     * to the re-established subscription, and one that died is replaced at the next heartbeat
     * alarm. Closing the consumer here instead would strand what the surviving pull delivers
     * until {@code ackWait}.
     */
    @Override
    protected void reconnected() {
        scheduleCheck(Duration.ZERO);
    }

    @Override
    protected void heartbeatAlarm(JetStreamSubscription sub, long lastStreamSequence) {
        scheduleCheck(Duration.ZERO);
    }

    @Override
    protected void pullStatus(Status status, boolean error) {
        // 408: a pull expired, as pulls do; 409 Exceeded MaxWaiting & co: jnats pulls again. An error
        // (409 Consumer Deleted), 404 or 503 (nobody answers for the consumer) may mean it is gone.
        int code = status.getCode();
        if (error || code == 404 || code == 503) {
            scheduleCheck(Duration.ZERO);
        }
    }

    /**
     * Stops pulling without losing what jnats already received. Once a stopped jnats consumer has
     * received all it pulled, it unsubscribes, and its dispatcher drops whatever it still queues:
     * those messages would wait for {@code ackWait}. So the dispatcher is drained first (which
     * unsubscribes at the server and makes jnats' own unsubscribe a no-op), and only then the
     * consumer stopped; meanwhile deliveries from its queue wait, so that no new pull request goes
     * out to an unsubscribed inbox. What the queue still holds then reaches {@link #notTaken} and is
     * given back. A durable stays.
     */
    @Override
    protected void stopConsuming() {
        MessageConsumer c = consumer;
        Dispatcher d = dispatcher;
        CountDownLatch latch = new CountDownLatch(1);
        stopping = latch;
        try {
            Connection conn = connection();
            if (d != null && d.isActive() && conn != null && conn.getStatus() == Connection.Status.CONNECTED) {
                d.drain(STOP_FLUSH);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.log(Level.DEBUG, "NATS endpoint on {0}: draining the pull: {1}", describe(), e.toString());
        } finally {
            if (c != null) {
                c.stop();
            }
            latch.countDown();
        }
    }

    private static void closeQuietly(MessageConsumer c) {
        try {
            c.close();
        } catch (Exception e) {
            LOG.log(Level.DEBUG, "closing a pull consumer: {0}", e.toString());
        }
    }

    @Override
    protected boolean settlesInTransaction() {
        return true;
    }

    /**
     * Gives a message back that was received but not delivered (stopping, or no endpoint came).
     * After a short delay, not at once: an immediate redelivery would come straight back to this
     * activation's pull while it drains, to be given back again, using up delivery counts.
     */
    @Override
    protected void notTaken(Message message) {
        message.nakWithDelay(GIVE_BACK_DELAY); // redelivered to whoever consumes next
    }

    @Override
    protected void delivered(Message message) {
        message.ack();
        ended(message);
    }

    @Override
    protected void settledByEndpoint(Message message) {
        ended(message);
    }

    @Override
    protected void failed(Message message, Throwable failure) {
        long deliveries = message.metaData().deliveredCount();
        long sequence = message.metaData().streamSequence();
        if (deliveries < js.maxDeliver()) {
            Duration delay = js.backoffFor(deliveries);
            LOG.log(Level.DEBUG, "NATS endpoint on {0}: delivery {1} of stream sequence {2} failed ({3}); redelivery in {4}",
                    describe(), deliveries, sequence, failure, delay);
            if (delay.isZero()) {
                message.nak();
            } else {
                message.nakWithDelay(delay);
            }
            return;
        }
        if (js.deadLetterSubject() == null) {
            LOG.log(Level.WARNING, "NATS endpoint on " + describe() + ": stream sequence " + sequence + " failed "
                    + deliveries + " times; terminated (no deadLetterSubject): " + DeadLetters.reason(failure), failure);
            message.term();
            ended(message);
            return;
        }
        try {
            jetStream.publish(js.deadLetterSubject(), DeadLetters.headersFor(message, js.stream(), deliveries, failure),
                    message.getData(), PublishOptions.builder().streamTimeout(DEAD_LETTER_TIMEOUT).build());
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            // Never end a message whose dead letter was not stored; never leave it waiting either.
            Duration retry = js.backoffFor(deliveries).compareTo(DEAD_LETTER_RETRY_MIN) > 0 ? js.backoffFor(deliveries)
                    : DEAD_LETTER_RETRY_MIN;
            String text = "NATS endpoint on " + describe() + ": could not dead-letter stream sequence " + sequence
                    + " to '" + js.deadLetterSubject() + "' (" + e + "); it is redelivered in " + retry
                    + " and dead-lettered then if it fails again";
            if (deadLetterFailing) {
                LOG.log(Level.WARNING, text);
            } else {
                deadLetterFailing = true;
                LOG.log(Level.ERROR, text, e);
            }
            message.nakWithDelay(retry);
            return;
        }
        deadLetterFailing = false;
        message.term();
        ended(message);
        LOG.log(Level.WARNING, "NATS endpoint on {0}: stream sequence {1} failed {2} times; moved to {3}: {4}",
                describe(), sequence, deliveries, js.deadLetterSubject(), DeadLetters.reason(failure));
    }
}
