package dev.natsjca.leader;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.natsjca.api.NatsConnection;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.KeyValueOptions;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.StorageType;
import io.nats.client.support.NatsJetStreamConstants;

/**
 * Leader election over one key of a NATS key-value bucket, for a job that must run on one server
 * instance only. Keep one instance per node (in a {@code @Singleton} EJB), call
 * {@link #tick(NatsConnection)} periodically, well within the TTL, with a freshly obtained
 * connection handle (a different pooled connection each tick is fine), and run the job only when
 * the result {@link Leadership#isLeader() is leader}, handing it the {@link Leadership#token()
 * fencing token}:
 *
 * <pre>{@code
 * LeaderElection election = LeaderElection.builder().bucket("sample_leader").key("timer")
 *         .ttl(Duration.ofSeconds(5)).build();                  // candidate: the server's node name
 *
 * try (NatsConnection c = factory.getConnection()) {             // every tick, e.g. each 1-2 s
 *     Leadership l = election.tick(c);
 *     if (l.isLeader()) job(l.token());
 * }
 * try (NatsConnection c = factory.getConnection()) {             // at shutdown (@PreDestroy)
 *     election.stepDown(c);
 * }
 * }</pre>
 *
 * <h2>Protocol</h2>
 * The bucket is created if absent (history 1, TTL = the key's maximum age, file storage); creating
 * it while another node does the same is harmless. The key's value is the leader's candidate name.
 * <ul>
 * <li>A candidate takes leadership only with create-if-absent ({@link KeyValue#create}): it
 *     succeeds only while the key is absent, deleted or expired.</li>
 * <li>The leader keeps it only with update-at-expected-revision ({@link KeyValue#update(String,
 *     byte[], long)}). Never a blind put: a leader whose key was deleted, expired or taken over
 *     cannot write it back.</li>
 * <li>A renewal that fails for any reason (wrong revision, key gone, timeout, connection down)
 *     ends leadership at once: that tick reports not-leader, and the next one tries to acquire like
 *     any candidate's.</li>
 * <li>{@link #stepDown} deletes at the expected revision, so another node takes over at its next
 *     tick instead of after the TTL, and a node that lost the key without knowing cannot delete
 *     its successor's.</li>
 * <li>The fencing token is the key's revision after this node's write. Revisions are the bucket
 *     stream's sequence numbers, so tokens strictly increase across renewals and leadership
 *     changes, including across a nats-server restart (the file store keeps the sequence).</li>
 * <li>Tokens never go backwards when the bucket is lost or deleted either: a bucket this class
 *     creates starts its sequence at the current time in microseconds since the epoch (so every
 *     revision is above every token an earlier bucket of that name can have handed out, as long
 *     as the clocks of the application servers are roughly right), and a candidate that acquires
 *     the key at a revision not above the highest token it has seen (its own, or the holder's it
 *     learned from a refused acquire) does not lead: it deletes the key again and logs an ERROR,
 *     since the bucket must have been created anew outside this class.</li>
 * </ul>
 *
 * <h2>The local lease and its window</h2>
 * A leader counts its lease, the TTL less a margin of a fifth of it ({@link #lease()}), from the
 * moment it <em>sent</em> its last successful acquire or renew ({@link System#nanoTime()}, which
 * clock steps do not move). The server stamps that write later, when it stores it, and expires it
 * a TTL after that by its own wall clock: so the key cannot expire on the server before the lease
 * runs out unless the NATS server's clock steps forward by more than the margin while the key is
 * held (slewing NTP is fine). When the lease has run out, {@link #tick} reports not-leader without asking
 * the server, a write answered only after the lease does not count, and a {@link Leadership} turns
 * not-leader by itself: a node paused (GC, suspended VM) past the TTL never reports leadership
 * with a stale token. What remains is the job itself: work started while leader can outlive the
 * leadership (by up to its own running time after {@link Leadership#remaining()} reaches zero).
 * Keep jobs shorter than the TTL, check {@link Leadership#isLeader()} between steps, and let the
 * resource the job writes to refuse tokens lower than the highest it has seen.
 *
 * <h2>Liveness</h2>
 * After a crash (no step-down) another node leads within TTL plus one tick interval. A write
 * whose answer is lost (timeout; or jnats buffering it during a reconnect and sending it later)
 * may still land: because every write is conditional it can only renew an unchanged key or
 * create an absent one, so it never makes two leaders, but the key then holds a revision nobody
 * knows and nobody leads until it expires, up to one TTL.
 *
 * <h2>Threads and logging</h2>
 * {@link #tick} and {@link #stepDown} are synchronized (a timer and {@code @PreDestroy} may call
 * them on different threads); each blocks for at most a few request timeouts. Leadership changes
 * are logged once per change through {@link System.Logger} (logger {@code dev.natsjca.leader.LeaderElection}),
 * with node and token; renewals only at {@code DEBUG}; failures once per outage.
 */
public final class LeaderElection {

    /** The shortest TTL accepted. */
    public static final Duration MIN_TTL = Duration.ofSeconds(1);

    /** The lease is the TTL less this part of it: room for a forward step of the NATS server's clock. */
    static final int MARGIN_DIVISOR = 5;

    /** The TTL when none is given. */
    public static final Duration DEFAULT_TTL = Duration.ofSeconds(10);

    /** The request timeout when none is given is half the TTL, but at most this. */
    public static final Duration DEFAULT_MAX_REQUEST_TIMEOUT = Duration.ofSeconds(2);

    /** System properties naming the server instance, tried in order: WildFly, then Payara/GlassFish. */
    static final String[] NODE_NAME_PROPERTIES = {"jboss.node.name", "com.sun.aas.instanceName"};

    static final int JS_WRONG_LAST_SEQUENCE = NatsJetStreamConstants.JS_WRONG_LAST_SEQUENCE;
    /** "wrong last sequence: N": N is the revision the key has. */
    private static final Pattern LAST_SEQUENCE = Pattern.compile("(\\d+)\\s*$");

    private static final System.Logger LOG = System.getLogger(LeaderElection.class.getName());
    private static final Pattern BUCKET = Pattern.compile("[a-zA-Z0-9_-]+");
    private static final Pattern KEY = Pattern.compile("[-/_=.a-zA-Z0-9]+");

    private final String bucket;
    private final String key;
    private final String candidate;
    private final Duration ttl;
    private final int replicas;
    private final Duration requestTimeout;
    private final byte[] value;
    private final KeyValueOptions kvOptions;
    private final LeaderBucket bucketStore;

    // State between ticks, guarded by this.
    /** The revision of this node's last successful write while leader; 0 when not leader. */
    private long revision;
    /** When the write that produced {@link #revision} was sent. */
    private long sentNanos;
    /** The local lease: the configured TTL's, or the existing bucket's if that is shorter. */
    private long guardNanos;
    /** The highest token this node has seen: its own, and the holders' it learned from refused acquires. */
    private long highestSeen;
    /** An acquire came back at a revision not above {@link #highestSeen}: logged once per episode. */
    private boolean backwardsLogged;
    /** The bucket's TTL as last found on the server; null until the bucket was checked. */
    private Duration bucketTtl;
    private boolean bucketReady;
    /** A failure was logged and nothing has succeeded since: log the next ones quietly. */
    private boolean failing;

    private LeaderElection(Builder b) {
        this.bucket = b.bucket;
        this.key = b.key;
        this.candidate = b.candidate != null ? b.candidate : defaultCandidate(System::getProperty);
        this.ttl = b.ttl;
        this.replicas = b.replicas;
        this.requestTimeout = b.requestTimeout != null ? b.requestTimeout : defaultRequestTimeout(b.ttl);
        this.value = candidate.getBytes(StandardCharsets.UTF_8);
        this.kvOptions = KeyValueOptions.builder().jsRequestTimeout(requestTimeout).build();
        this.bucketStore = new LeaderBucket(bucket, kvOptions, KeyValueConfiguration.builder().name(bucket)
                .description("Leader election (nats-jca)").maxHistoryPerKey(1).ttl(ttl)
                .storageType(StorageType.File).replicas(Math.max(1, b.replicas)).build(), b.replicas);
        this.guardNanos = leaseOf(ttl).toNanos();
    }

    /** @return the lease a TTL gives: the TTL less a fifth of it */
    static Duration leaseOf(Duration ttl) {
        return ttl.minus(ttl.dividedBy(MARGIN_DIVISOR));
    }

    /** @return a builder; {@code bucket} and {@code key} are required */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Acquires leadership (create-if-absent) or, when this node leads, renews it
     * (update-at-expected-revision). Someone else leading, an unreachable server or a refused
     * renewal are all answered with a not-leader result, never with an exception.
     *
     * @param connection an open handle; used during this call only, not closed
     * @return this tick's outcome
     * @throws NullPointerException when {@code connection} is null
     */
    public synchronized Leadership tick(NatsConnection connection) {
        Objects.requireNonNull(connection, "connection");
        return revision != 0 ? renew(connection) : acquire(connection);
    }

    /**
     * Gives leadership up: deletes the key at the revision this node last wrote, so another
     * candidate takes over at its next tick. Does nothing when this node does not lead. Never
     * throws for NATS failures: when the delete fails this node still stops leading, and the key
     * expires after the TTL.
     *
     * @param connection an open handle; used during this call only, not closed
     * @return a not-leader result
     * @throws NullPointerException when {@code connection} is null
     */
    public synchronized Leadership stepDown(NatsConnection connection) {
        Objects.requireNonNull(connection, "connection");
        long held = revision;
        if (held == 0) {
            return Leadership.notLeading(candidate);
        }
        revision = 0;
        try {
            connection.keyValue(bucket, kvOptions).delete(key, held);
            log(Level.INFO, null, "stepped down (token " + held + "); the next candidate to tick takes over");
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() == JS_WRONG_LAST_SEQUENCE) {
                log(Level.INFO, null, "stepped down (token " + held + "); the key had already moved on ("
                        + e.getErrorDescription() + ")");
            } else {
                stepDownFailed(held, e);
            }
        } catch (IOException | RuntimeException e) {
            stepDownFailed(held, e);
        }
        return Leadership.notLeading(candidate);
    }

    /** @return the bucket name */
    public String bucket() {
        return bucket;
    }

    /** @return the key whose holder leads */
    public String key() {
        return key;
    }

    /** @return this node's name, stored as the key's value (UTF-8) while it leads */
    public String candidate() {
        return candidate;
    }

    /** @return the TTL: the bucket's maximum age */
    public Duration ttl() {
        return ttl;
    }

    /**
     * @return how long a leader counts itself leader after sending the write that granted it: the
     *         TTL less a fifth of it. Tick well within it (a third of it or less).
     */
    public Duration lease() {
        return leaseOf(ttl);
    }

    /** @return how long one key-value request may take */
    public Duration requestTimeout() {
        return requestTimeout;
    }

    @Override
    public String toString() {
        return "LeaderElection[" + bucket + "/" + key + ", candidate '" + candidate + "', ttl " + ttl
                + ", requestTimeout " + requestTimeout + (replicas > 0 ? ", replicas " + replicas : "") + "]";
    }

    private Leadership renew(NatsConnection connection) {
        long held = revision;
        if (System.nanoTime() - sentNanos >= guardNanos) {
            return expired(held);
        }
        long sent;
        long renewed;
        try {
            KeyValue kv = connection.keyValue(bucket, kvOptions); // a round trip: check the guard again
            sent = System.nanoTime();
            if (sent - sentNanos >= guardNanos) {
                return expired(held);
            }
            renewed = kv.update(key, value, held);
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() == JS_WRONG_LAST_SEQUENCE) {
                return lost(held, "the key moved on (deleted, expired or taken over: " + e.getErrorDescription()
                        + ")", null);
            }
            return lost(held, "the renewal was refused: " + e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            reinterrupt(e);
            return lost(held, "the renewal failed: " + e, e);
        }
        recovered();
        return granted(renewed, sent, false);
    }

    private Leadership acquire(NatsConnection connection) {
        long sent;
        long created;
        try {
            if (!bucketReady) {
                ensureBucket(connection);
            }
            KeyValue kv = connection.keyValue(bucket, kvOptions);
            sent = System.nanoTime();
            created = kv.create(key, value);
            if (created <= highestSeen) {
                return backwards(kv, created);
            }
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() == JS_WRONG_LAST_SEQUENCE) {
                recovered(); // the server answered: another node holds the key
                Matcher m = LAST_SEQUENCE.matcher(String.valueOf(e.getErrorDescription()));
                if (m.find()) {
                    highestSeen = Math.max(highestSeen, Long.parseLong(m.group(1)));
                }
                return Leadership.notLeading(candidate);
            }
            return failed(e);
        } catch (IOException | RuntimeException e) {
            reinterrupt(e);
            return failed(e);
        }
        recovered();
        backwardsLogged = false;
        return granted(created, sent, true);
    }

    /**
     * The key was created at a revision not above a token this node saw: the bucket was created
     * anew outside this class. Leading would hand the job a token that went backwards: give the
     * key up again.
     */
    private Leadership backwards(KeyValue kv, long created) {
        String text = "not leading: the key was acquired at revision " + created + ", not above the token "
                + highestSeen + " seen before: bucket " + bucket + " was created anew outside nats-jca, so fencing "
                + "tokens would go backwards. Delete the bucket and let the election create it (its sequence then "
                + "starts at the current time in microseconds), or create it with a first sequence above " + highestSeen;
        if (!backwardsLogged) {
            backwardsLogged = true;
            log(Level.ERROR, null, text);
        } else {
            log(Level.DEBUG, null, text);
        }
        try {
            kv.delete(key, created);
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            reinterrupt(e);
            log(Level.DEBUG, null, "could not delete the key again (" + e + "); it expires after the TTL");
        }
        return Leadership.notLeading(candidate);
    }

    /** A write succeeded; it counts only if its answer came within the TTL of sending it. */
    private Leadership granted(long newRevision, long sent, boolean acquired) {
        long held = revision;
        if (System.nanoTime() - sent >= guardNanos) {
            revision = 0;
            String late = "the " + (acquired ? "acquiring" : "renewing") + " write (revision " + newRevision
                    + ") was answered only after the lease of " + Duration.ofNanos(guardNanos);
            if (acquired) {
                log(Level.WARNING, null, "not leading: " + late);
                return Leadership.notLeading(candidate);
            }
            return lost(held, late, null);
        }
        revision = newRevision;
        sentNanos = sent;
        highestSeen = Math.max(highestSeen, newRevision);
        if (acquired) {
            log(Level.INFO, null, "is now the leader (token " + newRevision + ")");
        } else {
            log(Level.DEBUG, null, "renewed leadership (token " + newRevision + ")");
        }
        return Leadership.leading(candidate, newRevision, sent + guardNanos);
    }

    private Leadership expired(long held) {
        return lost(held, "no renewal succeeded within the lease of " + Duration.ofNanos(guardNanos)
                + " (was this node paused?)", null);
    }

    private Leadership lost(long held, String reason, Throwable cause) {
        revision = 0;
        if (cause != null) {
            failing = true;
        }
        log(Level.WARNING, cause, "lost leadership (token " + held + "): " + reason);
        return Leadership.notLeading(candidate);
    }

    private Leadership failed(Exception e) {
        bucketReady = false; // it may have been deleted: check (and create) it again next time
        if (!failing) {
            failing = true;
            log(Level.WARNING, e, "cannot try for leadership, not leading: " + e);
        } else {
            log(Level.DEBUG, null, "still cannot try for leadership: " + e);
        }
        return Leadership.notLeading(candidate);
    }

    private void recovered() {
        if (failing) {
            failing = false;
            log(Level.INFO, null, "the key-value store answers again");
        }
    }

    private void stepDownFailed(long held, Exception e) {
        reinterrupt(e);
        log(Level.WARNING, e, "stepped down (token " + held + ") without deleting the key (" + e
                + "); another node takes over when the key expires, within " + ttl);
    }

    /** Looks the bucket up, creating it when absent, and adopts its TTL. */
    private void ensureBucket(NatsConnection connection) throws IOException, JetStreamApiException {
        adopt(bucketStore.ensure(connection, floor -> log(Level.INFO, null,
                "created the bucket (history 1, TTL " + ttl + ", revisions from " + floor + ")"),
                (e, former) -> {
                    if (e == null) {
                        log(Level.INFO, null, "changed the bucket's replicas from " + former + " to " + replicas);
                    } else {
                        log(Level.WARNING, e, "the server refused to change the bucket's replicas from " + former
                                + " to " + replicas + " (" + e.getMessage() + "); leading on the bucket as it is");
                    }
                }));
        bucketReady = true;
    }

    private void adopt(Duration found) {
        Duration actual = found == null ? Duration.ZERO : found;
        boolean changed = !actual.equals(bucketTtl);
        bucketTtl = actual;
        if (actual.isZero()) {
            guardNanos = leaseOf(ttl).toNanos();
            if (changed) {
                log(Level.WARNING, null, "found the bucket without a TTL (max age): a leader that stops "
                        + "without stepping down keeps the key forever; recreate the bucket with a TTL");
            }
        } else if (!actual.equals(ttl)) {
            Duration guard = leaseOf(actual.compareTo(ttl) < 0 ? actual : ttl);
            guardNanos = guard.toNanos();
            if (changed) {
                log(Level.WARNING, null, "found the bucket with TTL " + actual + ", not " + ttl
                        + ": the key expires after " + actual + "; this node counts leadership as expired after "
                        + guard);
            }
        } else {
            guardNanos = leaseOf(ttl).toNanos();
        }
    }

    private void log(Level level, Throwable thrown, String message) {
        if (!LOG.isLoggable(level)) {
            return;
        }
        String text = "Leader election " + bucket + "/" + key + ": node '" + candidate + "' " + message;
        if (thrown == null) {
            LOG.log(level, text);
        } else {
            LOG.log(level, text, thrown);
        }
    }

    private static void reinterrupt(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof InterruptedException) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * @return this server instance's name, the default candidate: {@code jboss.node.name}
     *         (WildFly), else {@code com.sun.aas.instanceName} (Payara), else the host name. An
     *         application that reports its node elsewhere can use the same name.
     */
    public static String nodeName() {
        return defaultCandidate(System::getProperty);
    }

    static Duration defaultRequestTimeout(Duration ttl) {
        Duration half = ttl.dividedBy(2);
        return half.compareTo(DEFAULT_MAX_REQUEST_TIMEOUT) < 0 ? half : DEFAULT_MAX_REQUEST_TIMEOUT;
    }

    /**
     * The server's node name: {@code jboss.node.name} (WildFly), else {@code com.sun.aas.instanceName}
     * (Payara), else the host name.
     */
    static String defaultCandidate(UnaryOperator<String> systemProperty) {
        for (String p : NODE_NAME_PROPERTIES) {
            String v = systemProperty.apply(p);
            if (v != null && !v.isBlank()) {
                return v.trim();
            }
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            String env = System.getenv("HOSTNAME");
            return env != null && !env.isBlank() ? env.trim() : "localhost";
        }
    }

    private static IllegalArgumentException invalid(String property, Object value, String why) {
        return new IllegalArgumentException("Invalid value for leader election property '" + property + "': '"
                + value + "': " + why);
    }

    /**
     * Settings of a {@link LeaderElection}; each setter checks its value and names it when it is
     * invalid ({@link IllegalArgumentException}).
     */
    public static final class Builder {

        private String bucket;
        private String key;
        private String candidate;
        private Duration ttl = DEFAULT_TTL;
        private Duration requestTimeout;
        private int replicas; // 0: not asked for

        private Builder() {
        }

        /**
         * @param bucket the key-value bucket (created if absent): A-Z, a-z, 0-9, '-' and '_'
         * @return this
         */
        public Builder bucket(String bucket) {
            if (bucket == null || !BUCKET.matcher(bucket).matches()) {
                throw invalid("bucket", bucket, "a bucket name has only A-Z, a-z, 0-9, '-' and '_'");
            }
            this.bucket = bucket;
            return this;
        }

        /**
         * @param key the key the leader holds: A-Z, a-z, 0-9, '-', '_', '/', '=' and '.', not
         *        starting or ending with '.', no empty token ("..") and not starting with "_kv"
         * @return this
         */
        public Builder key(String key) {
            if (key == null || !KEY.matcher(key).matches()) {
                throw invalid("key", key, "a key has only A-Z, a-z, 0-9, '-', '_', '/', '=' and '.'");
            }
            if (key.startsWith(".") || key.endsWith(".") || key.contains("..")) {
                throw invalid("key", key, "a key cannot start or end with '.' or contain '..'");
            }
            if (key.startsWith("_kv")) {
                throw invalid("key", key, "keys starting with '_kv' are reserved");
            }
            this.key = key;
            return this;
        }

        /**
         * @param ttl how long the key lasts without renewal: the bucket's maximum age; a leader counts
         *        itself leader for {@link LeaderElection#lease()}, four fifths of it; at least
         *        {@link #MIN_TTL}; default {@link #DEFAULT_TTL}. Tick at intervals well below the
         *        lease (a third of it or less).
         * @return this
         */
        public Builder ttl(Duration ttl) {
            if (ttl == null || ttl.compareTo(MIN_TTL) < 0) {
                throw invalid("ttl", ttl, "must be at least " + MIN_TTL);
            }
            this.ttl = ttl;
            return this;
        }

        /**
         * @param candidate this node's name, stored in the key while it leads; default the server's
         *        node name (system property {@code jboss.node.name}, else {@code com.sun.aas.instanceName},
         *        else the host name). Names are for people reading logs and the bucket: correctness
         *        does not depend on them being unique, but make them so.
         * @return this
         */
        public Builder candidate(String candidate) {
            if (candidate == null || candidate.isBlank()) {
                throw invalid("candidate", candidate, "must not be blank");
            }
            this.candidate = candidate;
            return this;
        }

        /**
         * @param requestTimeout how long one key-value request may take; shorter than the TTL;
         *        default half the TTL, at most {@link #DEFAULT_MAX_REQUEST_TIMEOUT}
         * @return this
         */
        public Builder requestTimeout(Duration requestTimeout) {
            if (requestTimeout == null || requestTimeout.isZero() || requestTimeout.isNegative()) {
                throw invalid("requestTimeout", requestTimeout, "must be greater than zero");
            }
            this.requestTimeout = requestTimeout;
            return this;
        }

        /**
         * @param replicas copies of the bucket a NATS cluster keeps (1-5): 3 on a three-node
         *        cluster, so leadership survives the loss of a node. A bucket found with another
         *        count is changed to this one (tried once per election; refused, it stays as it
         *        is). Not set: a new bucket has 1, an existing one is left alone
         * @return this builder
         */
        public Builder replicas(int replicas) {
            if (replicas < 1 || replicas > 5) {
                throw invalid("replicas", replicas, "must be 1 to 5");
            }
            this.replicas = replicas;
            return this;
        }

        /**
         * @return the election, not leading yet
         * @throws IllegalArgumentException when {@code bucket} or {@code key} is missing, or the
         *         request timeout is not shorter than the TTL
         */
        public LeaderElection build() {
            if (bucket == null) {
                throw new IllegalArgumentException("Leader election property 'bucket' is required");
            }
            if (key == null) {
                throw new IllegalArgumentException("Leader election property 'key' is required");
            }
            if (requestTimeout != null && requestTimeout.compareTo(ttl) >= 0) {
                throw invalid("requestTimeout", requestTimeout, "must be shorter than the ttl " + ttl);
            }
            return new LeaderElection(this);
        }
    }
}
