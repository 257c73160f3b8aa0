package dev.natsjca.outbound;

import java.io.IOException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import dev.natsjca.api.NatsException;
import io.nats.client.JetStreamApiException;
import io.nats.client.api.ServerInfo;
import io.nats.client.impl.Headers;
import io.nats.client.support.NatsJetStreamConstants;
import jakarta.resource.spi.InvalidPropertyException;

/**
 * The connection definition's {@code atomicCommit} setting: whether a transaction's JetStream
 * messages are committed as one atomic batch ({@link AtomicBatch}), and {@link #plan} deciding it
 * for one transaction.
 *
 * <p>Atomic is possible when every message is a JetStream publish, all go to one stream that
 * allows atomic publish, with a duplicate window long enough for a commit to re-send the batch
 * safely, the connected server is 2.12 or newer, the batch fits the server's 1,000 messages, and
 * no message carries a condition the server cannot check inside a batch. In a two-phase commit
 * the server checks expected sequences only when the batch commits, after the vote: so {@link #AUTO}
 * keeps a transaction with such a condition on today's mechanism, where a failed condition votes
 * rollback; {@link #REQUIRED} commits it atomically, and a failed condition then is a heuristic
 * rollback. The same for a stream that refuses messages when full ({@code discard: new}): its
 * limits are applied to the batch at commit.
 */
enum AtomicCommit {
    /** Atomic where possible; elsewhere, and when the server refuses a batch for capacity, today's mechanism. */
    AUTO,
    /** Atomic, or the transaction rolls back with the reason. */
    REQUIRED,
    /** Never: messages are sent at prepare, as before 2.12. */
    OFF;

    static final String PROPERTY = "atomicCommit";
    /** The shortest duplicate window that covers every re-send of a commit. */
    static final Duration MIN_DUPLICATE_WINDOW = Duration.ofSeconds(30);

    private static final System.Logger LOG = System.getLogger(AtomicCommit.class.getName());
    /** Fallbacks are logged at most once per this interval: under load every transaction may fall back. */
    private static final long FALLBACK_LOG_INTERVAL = Duration.ofMinutes(1).toNanos();
    private static final java.util.concurrent.atomic.AtomicLong lastFallbackLog = new java.util.concurrent.atomic.AtomicLong(
            System.nanoTime() - FALLBACK_LOG_INTERVAL);

    /**
     * {@link #AUTO}: the server refused a batch for capacity or capability, with nothing stored,
     * and the transaction goes on with today's mechanism.
     */
    static void fellBack(String stream, String why) {
        long last = lastFallbackLog.get();
        long now = System.nanoTime();
        boolean log = now - last >= FALLBACK_LOG_INTERVAL && lastFallbackLog.compareAndSet(last, now);
        LOG.log(log ? System.Logger.Level.WARNING : System.Logger.Level.DEBUG, "Stream ''{0}'' refused a "
                + "transaction''s atomic batch ({1}); with atomicCommit=auto it is sent at prepare instead (logged once "
                + "a minute)", stream, why);
    }

    /**
     * {@link #AUTO}, at commit: the batch was refused for a message id the stream holds, and the
     * messages go out one by one (the stream drops each repeat). INFO, once a minute (else DEBUG):
     * an application's id that repeats is what a redelivery does (its ack was lost, a connection
     * moved), and the repeat may be this batch's own, stored by a commit whose answer was lost:
     * the outcome is right either way, nothing is stored twice.
     */
    static void sentOneByOne(String stream, String why, boolean maybeOwnCommit) {
        long last = lastFallbackLog.get();
        long now = System.nanoTime();
        boolean log = now - last >= FALLBACK_LOG_INTERVAL && lastFallbackLog.compareAndSet(last, now);
        System.Logger.Level level = maybeOwnCommit || log ? System.Logger.Level.INFO : System.Logger.Level.DEBUG;
        LOG.log(level, "Stream ''{0}'' refused a transaction''s atomic batch at commit ({1}); with atomicCommit=auto "
                + "its messages are sent one by one instead, each repeat acknowledged as a duplicate", stream, why);
    }

    static AtomicCommit parse(String value) throws InvalidPropertyException {
        if (value == null || value.isBlank()) {
            return AUTO;
        }
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InvalidPropertyException("Invalid value for property '" + PROPERTY + "': '" + value
                    + "': expected auto, required or off");
        }
    }

    /**
     * @param messages a transaction's staged messages, in publish order
     * @param twoPhase whether the batch is prepared before its commit (else a one-phase commit)
     * @return the batch to commit them with, or {@code null} for today's mechanism
     * @throws NatsException ({@link #REQUIRED}) why the transaction cannot commit atomically
     */
    AtomicBatch plan(NatsManagedConnection connection, List<StagingXAResource.Staged> messages, boolean twoPhase) {
        if (this == OFF) {
            return null;
        }
        String why;
        AtomicBatch batch = null;
        try {
            why = whyNot(connection, messages, twoPhase);
            if (why == null) {
                StreamDirectory.Stream stream = connection.streams().streamOf(messages.get(0).subject());
                ServerInfo server = connection.jnats().getServerInfo();
                batch = new AtomicBatch(connection, messages, stream.name(), stream.maxMessageSize(),
                        server.isSameOrNewerThanVersion(AtomicBatch.EOB_SINCE) ? AtomicBatch.Finish.EOB
                                : AtomicBatch.Finish.LAST, NatsManagedConnection.COMMIT_TIMEOUT);
            }
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            why = "the streams cannot be listed (" + e.getMessage() + ")";
            if (this == AUTO) {
                fellBack("?", why); // not the transaction's doing: say so, once a minute
            }
        }
        if (why != null && this == REQUIRED) {
            throw new NatsException("Not committed: atomicCommit=required, and this transaction's " + messages.size()
                    + " message(s) cannot be committed atomically: " + why);
        }
        return batch;
    }

    private String whyNot(NatsManagedConnection connection, List<StagingXAResource.Staged> messages, boolean twoPhase)
            throws IOException, JetStreamApiException {
        ServerInfo server = connection.jnats().getServerInfo();
        if (server == null || !server.isSameOrNewerThanVersion(AtomicBatch.SINCE)) {
            return "atomic batch publish needs nats-server " + AtomicBatch.SINCE + " or newer; the server is "
                    + (server == null ? "unknown" : server.getVersion());
        }
        int marker = server.isSameOrNewerThanVersion(AtomicBatch.EOB_SINCE) ? 1 : 0;
        if (messages.size() + marker > AtomicBatch.MAX_MESSAGES) {
            return messages.size() + " messages; a batch holds at most " + (AtomicBatch.MAX_MESSAGES - marker);
        }
        StreamDirectory.Stream stream = null;
        Set<String> subjectsSoFar = new HashSet<>();
        for (int k = 0; k < messages.size(); k++) {
            StagingXAResource.Staged s = messages.get(k);
            if (!s.jetStream()) {
                return "message " + (k + 1) + " on '" + s.subject() + "' is a core NATS publish";
            }
            StreamDirectory.Stream own = connection.streams().streamOf(s.subject());
            if (own == null) {
                return "no stream stores subject '" + s.subject() + "'";
            }
            if (stream != null && !stream.name().equals(own.name())) {
                return "its messages go to several streams ('" + stream.name() + "', '" + own.name() + "')";
            }
            stream = own;
            String condition = conditionProblem(s, k, subjectsSoFar, twoPhase);
            if (condition != null) {
                return "message " + (k + 1) + " on '" + s.subject() + "' " + condition;
            }
            subjectsSoFar.add(s.subject());
        }
        if (!stream.atomic()) {
            return "stream '" + stream.name() + "' does not allow atomic publish (allow_atomic)";
        }
        if (twoPhase && this == AUTO && stream.refusesWhenFull()) {
            return "stream '" + stream.name() + "' refuses messages when full (discard: new), which a batch learns "
                    + "only at commit, after the vote";
        }
        Duration window = stream.duplicateWindow();
        if (window == null || window.compareTo(MIN_DUPLICATE_WINDOW) < 0) {
            return "stream '" + stream.name() + "' has a duplicate window of " + window + ", under the "
                    + MIN_DUPLICATE_WINDOW + " a commit needs to re-send a batch without storing it twice";
        }
        return null;
    }

    /** @return why a message's condition keeps it out of an atomic batch, or {@code null} */
    private String conditionProblem(StagingXAResource.Staged s, int k, Set<String> subjectsSoFar, boolean twoPhase) {
        Headers h = BatchMessages.withOptions(NatsManagedConnection.copyOf(s.headers()), s.options());
        if (h.containsKeyIgnoreCase(NatsJetStreamConstants.EXPECTED_LAST_MSG_ID_HDR)) {
            return "expects a last message id, which a batch cannot carry";
        }
        if (h.containsKeyIgnoreCase(NatsJetStreamConstants.EXPECTED_LAST_SEQ_HDR) && k > 0) {
            return "expects a last stream sequence, which only a batch's first message may";
        }
        boolean subjectSequence = h.containsKeyIgnoreCase(NatsJetStreamConstants.EXPECTED_LAST_SUB_SEQ_HDR);
        if (subjectSequence && subjectsSoFar.contains(s.subject())) {
            return "expects a last subject sequence on a subject an earlier message of the batch writes";
        }
        if (twoPhase && this == AUTO && !onlyExpectsStream(h)) {
            return "carries a condition, which a batch checks only at commit, after the vote";
        }
        return null;
    }

    private static boolean onlyExpectsStream(Headers h) {
        for (String key : h.keySet()) {
            if (key.regionMatches(true, 0, "Nats-Expected-", 0, 14)
                    && !key.equalsIgnoreCase(NatsJetStreamConstants.EXPECTED_STREAM_HDR)) {
                return false;
            }
        }
        return true;
    }
}
