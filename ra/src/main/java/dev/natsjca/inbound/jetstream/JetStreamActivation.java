package dev.natsjca.inbound.jetstream;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Timer;
import java.util.function.Consumer;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import dev.natsjca.config.ConnectionSettings;
import dev.natsjca.config.JetStreamRefusals;
import dev.natsjca.inbound.ConfigurationException;
import dev.natsjca.inbound.DeliveredMessage;
import dev.natsjca.inbound.DeliveryWatch;
import dev.natsjca.inbound.EndpointActivation;
import dev.natsjca.inbound.ResolvedActivation;
import dev.natsjca.inbound.kv.KeyValueBuckets;
import dev.natsjca.inbound.kv.KeyValueWatch;
import dev.natsjca.monitoring.ActivationMonitor;
import dev.natsjca.monitoring.Stall;
import dev.natsjca.monitoring.Tracing;
import dev.natsjca.streams.StreamDeclarationException;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.MessageHandler;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.api.StreamInfo;
import io.nats.client.support.Status;
import jakarta.resource.ResourceException;
import jakarta.resource.spi.endpoint.MessageEndpointFactory;
import jakarta.resource.spi.work.WorkManager;

/**
 * An activation on a JetStream consumer (durable or ephemeral), consumed by pull
 * ({@link FlowControlledPull}): the server is asked only for what the hand-off and the workers
 * can take, with idle heartbeats, so a message waits for at most the batch ahead of it.
 *
 * <h2>At-least-once, and who ends retries</h2>
 * A message is acked after {@code onMessage} returns (or its transaction commits). When it throws
 * (or rolls back) and its delivery count (the server's, from the message's metadata) is below
 * {@code maxDeliver}, it is nak'ed with the backoff delay for that count; from {@code maxDeliver}
 * on, a failed delivery is dead-lettered ({@link DeadLetters}) and then terminated, or, without a
 * dead-letter subject, terminated and logged ({@link FailedDeliveries}). The consumer on the server has no delivery limit of
 * its own, so the server never stops redelivering a message the adapter has not ended: deliveries
 * that were not failures (given back at deactivation, redelivered after {@code ackWait}) count
 * as deliveries but never end a message, and a dead letter that cannot be stored is retried by
 * redelivering the message after a delay, never left waiting for a redelivery that cannot come.
 *
 * <h2>A consumer that disappears</h2>
 * A consumer can vanish while the connection is fine: an operator deletes a durable, or an
 * ephemeral consumer expires on a server that restarted or was cut off. The activation notices
 * it from the pull's status (409 Consumer Deleted, no responders), from a pull whose heartbeats
 * stopped, after a reconnect, and from a check every {@link #CONSUMER_CHECK_INTERVAL}; it logs a
 * WARNING and sets the consumer up again with the same settings, starting at the oldest stream
 * sequence that may not be settled ({@link ConsumerPositions}). Messages
 * from there on are redelivered (at-least-once: some may come twice). When the stream itself was
 * created anew meanwhile (its creation time changed), its sequences start over, and so does the
 * consumer: where {@code deliverPolicy} says.
 */
public final class JetStreamActivation extends EndpointActivation {

    /**
     * Pull requests expire after this, with idle heartbeats every fifth of it: a pull that died
     * (server restart, lost route, its consumer's leader lost with a node) is replaced after three
     * missed heartbeats, within 6 s.
     */
    private static final Duration PULL_EXPIRES = Duration.ofSeconds(10);
    /** How long a message given back at deactivation waits before the server redelivers it. */
    static final Duration GIVE_BACK_DELAY = Duration.ofSeconds(1);
    /** How often the pull in flight is watched; every second time the consumer is checked on the server. */
    private static final Duration WATCH_INTERVAL = Duration.ofSeconds(5);
    /** How often the consumer's presence (and ack floor) is checked on the server. */
    static final Duration CONSUMER_CHECK_INTERVAL = WATCH_INTERVAL.multipliedBy(2);

    /** The first nats-server release that filters one consumer on several subjects. */
    static final String SEVERAL_FILTERS = "2.10.0";
    private static final int STREAM_NOT_FOUND = 10059;
    private static final int CONSUMER_NOT_FOUND = 10014;

    private final JetStreamSettings js;
    private volatile FlowControlledPull pull;
    private volatile JetStream jetStream;
    private volatile JetStreamManagement jsm;
    private volatile String consumerName;
    /** When the stream was created, as seen when consuming started: a change means its sequences started over. */
    private volatile ZonedDateTime streamCreated;
    /** The stream's replicas, as seen when consuming started: an ephemeral consumer gets as many. */
    private volatile int streamReplicas;

    private final ConsumerPositions positions;
    /**
     * Messages received and not yet released, across consumer re-creations: a new pull counts
     * what the old one's messages still take up.
     */
    private final AtomicInteger held = new AtomicInteger();
    private final AtomicBoolean checkPending = new AtomicBoolean();
    private volatile boolean periodicStarted;
    private final FailedDeliveries failures;
    /** Keeps deliveries alive up to maxProcessingTime; {@code null} when it is not set. */
    private final ProcessingKeepAlive keepAlive;
    /** From the moment the consumer was found gone until it is set up again. */
    private volatile boolean consumerLost;

    /**
     * @param endpointFactory the server's factory for the message-driven bean's endpoints
     * @param spec the validated activation properties, with JetStream settings
     * @param settings the connection settings of this activation
     * @param workManager the adapter's work manager
     * @param timer the adapter's timer
     * @param monitor where the activation reports its state and counts
     * @param tracing trace context for deliveries
     * @throws ResourceException when the endpoint does not implement the listener interface
     */
    public JetStreamActivation(MessageEndpointFactory endpointFactory, ResolvedActivation spec,
                               ConnectionSettings settings, WorkManager workManager, Timer timer,
                               ActivationMonitor monitor, Tracing tracing)
            throws ResourceException {
        // A pull's batch waits for a worker at most: the pull asks for no more than the hand-off and
        // workers hold (a batch listener's batchSize is its maxBatchSize at least: ResolvedActivation).
        super(endpointFactory, spec, settings, workManager, timer, spec.jetStream().batchSize(), monitor, tracing);
        this.js = spec.jetStream();
        this.positions = new ConsumerPositions(js.durable() != null);
        this.failures = new FailedDeliveries(js, "NATS endpoint on " + describe(), monitor, tracing,
                this::connection, () -> jetStream);
        this.keepAlive = js.maxProcessingTime() == null ? null
                : new ProcessingKeepAlive(js, scheduler(), this::isRunning, "NATS endpoint on " + describe());
    }

    @Override
    protected DeliveryWatch watch(List<Message> messages, Consumer<Throwable> timedOut) {
        ProcessingKeepAlive k = keepAlive;
        return k == null ? DeliveryWatch.NONE : k.track(messages, timedOut);
    }

    /** Not selected: acknowledged, so that it neither comes back nor holds a place in maxAckPending. */
    @Override
    protected void filtered(Message message) {
        settling(message);
        boolean acked = false;
        try {
            message.ack();
            acked = true;
        } catch (RuntimeException e) {
            // The connection is down, say: the server redelivers it after ackWait, and it is filtered then.
            LOG.log(Level.DEBUG, "NATS endpoint on {0}: could not ack a message the selector skipped ({1})",
                    describe(), e.toString());
        } finally {
            released(message, acked);
        }
    }

    @Override
    protected void consume(Connection connection, MessageHandler handler) throws ConfigurationException, IOException {
        FlowControlledPull old = pull;
        if (old != null) {
            old.close(); // what is left of a consumer that disappeared
            pull = null;
        }
        if (spec.subjects().size() > 1 && !connection.getServerInfo().isSameOrNewerThanVersion(SEVERAL_FILTERS)) {
            // An older server ignores filter_subjects: the consumer would deliver every subject of the stream.
            throw new ConfigurationException("Invalid value for property '" + (spec.keyValue() == null ? "subject"
                    : "keys") + "': '" + (spec.keyValue() == null ? spec.subject() : String.join(",", spec.keyValue().keys()))
                    + "': several subjects on one JetStream consumer need nats-server " + SEVERAL_FILTERS
                    + " or newer; the server is " + connection.getServerInfo().getVersion()
                    + " (one subject per activation works on it)");
        }
        try {
            JetStreamManagement m = connection.jetStreamManagement();
            jsm = m;
            // Before the stream is touched (a deployment that fails must leave it as it was), unless
            // the stream this activation declares is to store them.
            String dlq = js.deadLetterSubject();
            boolean dlqStored = dlq == null || !m.getStreamNames(dlq).isEmpty();
            if (!dlqStored && !js.streamDeclaration().wouldStore(dlq)) {
                throw noDeadLetterStream(dlq);
            }
            StreamInfo stream = ensureStream(m, connection.getServerInfo());
            if (!dlqStored && m.getStreamNames(dlq).isEmpty()) {
                throw noDeadLetterStream(dlq);
            }
            ZonedDateTime created = stream.getCreateTime();
            if (streamCreated != null && created != null && !created.equals(streamCreated)) {
                LOG.log(Level.WARNING, "NATS endpoint on {0}: stream {1} was created anew (at {2}): its sequences "
                        + "started over, and so does consumption, where deliverPolicy says", describe(), js.stream(),
                        created);
                forgetPositions();
            }
            streamCreated = created;
            streamReplicas = stream.getConfiguration().getReplicas();
            jetStream = connection.jetStream();
            ConsumerInfo info = setUpConsumer(m);
            positions.ackFloor(info.getAckFloor().getStreamSequence());
            consumerName = info.getName();
            if (consumerLost) {
                consumerLost = false;
                monitor().consumerRecreated();
            }
            monitor().consumerPresent(info.getNumPending(), info.getNumAckPending());
            pull = FlowControlledPull.start(connection, jetStream, js.stream(), info.getName(), msg -> {
                received(msg);
                handler.onMessage(msg);
            }, js.batchSize() + spec.maxConcurrency() * spec.messagesPerDelivery(), js.batchSize(), PULL_EXPIRES,
                    js.ackWait(), held,
                    monitor(), "NATS endpoint on " + describe());
        } catch (JetStreamApiException e) {
            throw refusal(e);
        }
        startPeriodicTasks();
    }

    /**
     * @return the consumer to consume from: one that exists (this activation's ephemeral, or the
     *         durable) is bound, a durable with this activation's settings where they may change;
     *         otherwise a new consumer, starting where {@code deliverPolicy} says, or, when it is
     *         set up again, where {@link ConsumerPositions#resumeFrom()} says
     */
    private ConsumerInfo setUpConsumer(JetStreamManagement m)
            throws ConfigurationException, IOException, JetStreamApiException {
        long resumeFrom = positions.resumeFrom();
        if (js.durable() == null) {
            String known = consumerName;
            ConsumerInfo existing = known == null ? null : info(m, known);
            if (existing != null) {
                return existing;
            }
            ConsumerConfiguration fresh = js.newConsumer(spec.subjects(), resumeFrom);
            if (streamReplicas > 1) {
                // As replicated as its stream, as a durable is: losing one node (a lame duck, a
                // crash) then moves its leader instead of taking the consumer down with it.
                fresh = ConsumerConfiguration.builder(fresh).numReplicas(streamReplicas).build();
            }
            return m.addOrUpdateConsumer(js.stream(), fresh);
        }
        ConsumerInfo existing = info(m, js.durable());
        if (existing == null) {
            try {
                if (resumeFrom > 0) {
                    LOG.log(Level.WARNING, "NATS endpoint on {0}: creating durable {1} again, from stream sequence {2}",
                            describe(), js.durable(), resumeFrom);
                }
                return m.addOrUpdateConsumer(js.stream(), js.newConsumer(spec.subjects(), resumeFrom));
            } catch (JetStreamApiException e) {
                // Another activation may have created it meanwhile, from another position: bind to that one.
                existing = info(m, js.durable());
                if (existing == null) {
                    throw e;
                }
            }
        }
        if (existing.getConsumerConfiguration().getDeliverSubject() != null) {
            throw new ConfigurationException("Invalid value for property 'durable': '" + js.durable()
                    + "': stream " + js.stream() + " has it as a push consumer (deliver subject "
                    + existing.getConsumerConfiguration().getDeliverSubject() + "); the adapter consumes by pull: "
                    + "name another durable, or delete that one");
        }
        return m.addOrUpdateConsumer(js.stream(), js.updateOf(existing.getConsumerConfiguration(), spec.subjects(),
                PULL_EXPIRES));
    }

    /** @return the consumer's info, or {@code null} when it does not exist */
    private ConsumerInfo info(JetStreamManagement m, String consumer) throws IOException, JetStreamApiException {
        try {
            return m.getConsumerInfo(js.stream(), consumer);
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() == CONSUMER_NOT_FOUND) {
                return null;
            }
            throw e;
        }
    }

    /** The stream's sequences started over: nothing known about positions holds any more. */
    private void forgetPositions() {
        positions.forget();
        consumerName = js.durable();
    }

    private static ConfigurationException noDeadLetterStream(String dlq) {
        return new ConfigurationException("Invalid value for property 'deadLetterSubject': '" + dlq
                + "': no stream stores that subject, so dead letters would be lost");
    }

    private StreamInfo ensureStream(JetStreamManagement m, io.nats.client.api.ServerInfo server)
            throws ConfigurationException, IOException, JetStreamApiException {
        KeyValueWatch watch = spec.keyValue();
        if (watch != null) {
            return KeyValueBuckets.ensure(connection(), m, watch, "NATS endpoint on " + describe());
        }
        try {
            return js.streamDeclaration().apply(m, server, "NATS endpoint on " + describe());
        } catch (StreamDeclarationException e) {
            throw new ConfigurationException(e.getMessage(), e);
        }
    }

    /**
     * @return a refusal of the configuration, to end the activation
     * @throws IOException for an error that may pass ({@link JetStreamRefusals#mayPass})
     */
    private ConfigurationException refusal(JetStreamApiException e) throws IOException {
        String what = "JetStream refused the consumer for stream '" + js.stream() + "'"
                + (js.durable() == null ? "" : ", durable '" + js.durable() + "'") + ": " + e.getErrorDescription()
                + " (error " + e.getApiErrorCode() + ")";
        if (!JetStreamRefusals.mayPass(e)) {
            return new ConfigurationException(what + "; an existing durable with different settings the server "
                    + "cannot change must be deleted or renamed", e);
        }
        throw new IOException(what, e);
    }

    private void received(Message message) {
        ProcessingKeepAlive k = keepAlive;
        if (k != null) {
            k.received(message);
        }
        if (message.isJetStream() && message.metaData().deliveredCount() > 1) {
            monitor().redelivered();
        }
        if (ofCurrentConsumer(message)) {
            positions.received(message.metaData().streamSequence());
        }
    }

    /** The message is about to be acked, nak'ed or ended: the keep-alive lets go of it first. */
    private void settling(Message message) {
        ProcessingKeepAlive k = keepAlive;
        if (k != null) {
            k.released(message);
        }
    }

    /** The message left this activation's hands (after {@link #settling}): ended, or given back to the server. */
    private void released(Message message, boolean ended) {
        if (ended && ofCurrentConsumer(message)) {
            positions.ended(message.metaData().streamSequence());
        }
        held.updateAndGet(n -> Math.max(0, n - 1));
        FlowControlledPull p = pull;
        if (p != null) {
            p.released();
        }
    }

    /**
     * @return whether the message came from the consumer consumed now: positions noted for an
     *         earlier one (an ephemeral set up again, a stream created anew) would mislead
     *         {@link ConsumerPositions#resumeFrom()}
     */
    private boolean ofCurrentConsumer(Message message) {
        return message.isJetStream() && message.metaData().getConsumer().equals(consumerName);
    }

    private void startPeriodicTasks() {
        if (periodicStarted) {
            return;
        }
        periodicStarted = true;
        long[] ticks = new long[1]; // only the timer thread touches it
        scheduler().repeat(WATCH_INTERVAL, () -> {
            FlowControlledPull p = pull;
            if (p != null) {
                p.watch();
            }
            if (++ticks[0] % 2 == 0) {
                scheduleCheck();
            }
        });
    }

    /** Asks the server, soon, whether the consumer still exists (at most one check pending). */
    private void scheduleCheck() {
        if (checkPending.compareAndSet(false, true)) {
            // Cleared whether the check runs or not (refused, stopped): a stuck flag would end all checks.
            scheduler().schedule(Duration.ZERO, () -> {
                checkPending.set(false);
                check();
            }, () -> checkPending.set(false));
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
            ConsumerInfo info = m.getConsumerInfo(js.stream(), name);
            positions.ackFloor(info.getAckFloor().getStreamSequence());
            monitor().consumerPresent(info.getNumPending(), info.getNumAckPending());
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() == CONSUMER_NOT_FOUND || e.getApiErrorCode() == STREAM_NOT_FOUND) {
                consumerLost = true;
                monitor().consumerGone();
                restartConsuming(Level.WARNING, "consumer '" + name + "' of stream '" + js.stream() + "' is gone from "
                        + "the server (" + e.getErrorDescription() + "; deleted by an operator, or an ephemeral "
                        + "consumer that expired)");
            } else {
                LOG.log(Level.DEBUG, "NATS endpoint on {0}: consumer check: {1}", describe(), e.toString());
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.DEBUG, "NATS endpoint on {0}: consumer check: {1}", describe(), e.toString());
        }
    }

    /**
     * After a reconnect the pull in flight may have died (it certainly has when the server
     * restarted) or survived: cancel it and pull afresh. The consumer may be gone too (an
     * ephemeral one that expired meanwhile): check.
     */
    @Override
    protected void reconnected() {
        FlowControlledPull p = pull;
        if (p != null) {
            p.reconnected();
        }
        scheduleCheck();
    }

    @Override
    protected Stall consumerStall() {
        FlowControlledPull p = pull;
        return p == null ? null : p.stall();
    }

    @Override
    protected void heartbeatAlarm(JetStreamSubscription sub, long lastStreamSequence) {
        FlowControlledPull p = pull;
        if (p != null && p.silent(sub)) {
            LOG.log(Level.WARNING, "NATS endpoint on {0}: the pull went silent (no message or heartbeat; typically "
                    + "it died with a server restart); pulling again after stream sequence {1}", describe(),
                    lastStreamSequence);
            scheduleCheck();
        }
    }

    @Override
    protected void pullStatus(JetStreamSubscription sub, Status status, boolean error) {
        FlowControlledPull p = pull;
        if (p != null) {
            p.ended(sub, status, error || refusesPulls(status));
        }
        if (error || status.getCode() == 503) {
            scheduleCheck(); // 409 Consumer Deleted, nobody answering for the consumer: it may be gone
        }
    }

    /**
     * @return whether a status that ended a pull refused it: pulling again at once would be
     *         refused again (limits exceeded, nobody answers, the server shuts down)
     */
    static boolean refusesPulls(Status status) {
        String text = status.getMessage() == null ? "" : status.getMessage();
        return status.getCode() == 503
                || status.getCode() == 409 && (text.startsWith("Exceeded") || text.equals("Server Shutdown"));
    }

    /**
     * Stops pulling. What the dispatcher already queued still reaches {@link #notTaken} and is
     * given back; then the subscription ends at the server. A durable stays. (A message the server
     * sends in the very instant of the unsubscribe is lost to this client and comes back after
     * {@code ackWait}.)
     */
    @Override
    protected void stopConsuming(Duration flush) {
        FlowControlledPull p = pull;
        if (p != null) {
            p.stop(flush);
        }
    }

    @Override
    protected boolean settlesInTransaction() {
        return true;
    }

    /**
     * Gives a message back that was received but not delivered (stopping, or no endpoint came).
     * After a short delay, not at once: an immediate redelivery could come straight back to this
     * activation while it stops, to be given back again, using up delivery counts.
     */
    @Override
    protected void notTaken(Message message) {
        settling(message);
        try {
            message.nakWithDelay(GIVE_BACK_DELAY); // redelivered to whoever consumes next
        } finally {
            released(message, false);
        }
    }

    @Override
    protected void delivered(DeliveredMessage delivery) {
        Message message = delivery.message();
        settling(message);
        try {
            message.ack();
        } finally {
            released(message, true);
        }
    }

    @Override
    protected void settledByEndpoint(Message message) {
        settling(message);
        released(message, true);
    }

    @Override
    protected void failed(DeliveredMessage delivery, Throwable failure) {
        Message message = delivery.message();
        settling(message);
        boolean ended = false;
        try {
            ended = failures.settle(message, failure);
        } finally {
            released(message, ended);
        }
    }
}
