package dev.natsjca.outbound;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;

import javax.security.auth.Subject;
import javax.transaction.xa.XAResource;

import dev.natsjca.api.NatsException;
import dev.natsjca.api.NatsTimeoutException;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.Message;
import io.nats.client.NUID;
import io.nats.client.PublishOptions;
import io.nats.client.api.PublishAck;
import dev.natsjca.config.ClientErrorLogger;
import dev.natsjca.monitoring.ConnectionDefinitionMonitor;
import dev.natsjca.monitoring.Tracing;
import dev.natsjca.config.ConnectionSettings;
import dev.natsjca.config.Subjects;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.impl.Headers;
import jakarta.resource.NotSupportedException;
import jakarta.resource.ResourceException;
import jakarta.resource.spi.ConnectionEvent;
import jakarta.resource.spi.ConnectionEventListener;
import jakarta.resource.spi.ConnectionRequestInfo;
import jakarta.resource.spi.LocalTransaction;
import jakarta.resource.spi.ManagedConnection;
import jakarta.resource.spi.ManagedConnectionMetaData;
import jakarta.resource.spi.SecurityException;
import jakarta.transaction.Status;
import jakarta.transaction.TransactionSynchronizationRegistry;

/**
 * One pooled physical NATS connection. Handles share it while the pool hands this managed
 * connection out; {@link #cleanup()} invalidates them, {@link #destroy()} closes the jnats
 * connection.
 *
 * <p>Temporary disconnects are left to jnats (reconnect with its buffer). A connection that jnats
 * closes for good fires {@code CONNECTION_ERROR_OCCURRED}, so the pool discards it and the next
 * {@code getConnection()} gets a fresh one.
 *
 * <h2>Publishing and the thread's transaction</h2>
 * In a server (which offers a {@link TransactionSynchronizationRegistry}), every publish is checked
 * against the calling thread's transaction, so that a message is never sent at once where the
 * application expects it to follow a transaction:
 * <ul>
 * <li>no transaction, or one already committed (a publish from an after-completion callback):
 *     sent at once;</li>
 * <li>an active transaction this connection is enlisted in: staged ({@link StagingXAResource});</li>
 * <li>an active transaction this connection is not enlisted in (a handle kept from before the
 *     transaction began, which the server did not enlist): refused with {@link NatsException};</li>
 * <li>a transaction marked for rollback, rolled back (the transaction manager timed it out, say),
 *     or completing: refused with {@link NatsException}.</li>
 * </ul>
 */
public final class NatsManagedConnection implements ManagedConnection {

    private static final System.Logger LOG = System.getLogger(NatsManagedConnection.class.getName());

    /** How long a commit waits for the server to confirm the transaction's messages. */
    static final Duration COMMIT_TIMEOUT = Duration.ofSeconds(10);

    /** The header JetStream deduplicates on. */
    static final String MSG_ID = "Nats-Msg-Id";
    /** The header a per-message TTL travels in (jnats sets it from {@code PublishOptions}). */
    static final String MESSAGE_TTL = "Nats-TTL";
    /** The first nats-server release that honours a per-message TTL. */
    static final String MESSAGE_TTL_SINCE = "2.11.0";

    /** The longest {@link #destroy()} waits for buffered messages to reach the server. */
    static final Duration FLUSH_ON_DESTROY = Duration.ofSeconds(5);

    private final NatsManagedConnectionFactory factory;
    private final ConnectionSettings settings;
    private final SignOn signOn;
    private final TransactionSynchronizationRegistry transactions;
    private final Connection connection;
    private final Set<NatsConnectionHandle> handles = ConcurrentHashMap.newKeySet();
    private final List<ConnectionEventListener> listeners = new CopyOnWriteArrayList<>();
    private volatile boolean destroyed;
    private volatile JetStream jetStream;
    private final StagingXAResource xaResource = new StagingXAResource(this);
    private final StreamDirectory streams;
    private final ConnectionWatch watch;
    private final ConnectionDefinitionMonitor monitor;
    private final Tracing tracing;
    private PrintWriter logWriter;

    /**
     * @param signOn the user the server signed this connection on as, or {@code null} (the
     *        configured authentication, already in {@code settings})
     * @param transactions the server's registry, or {@code null} outside a server
     */
    NatsManagedConnection(NatsManagedConnectionFactory factory, ConnectionSettings settings, SignOn signOn,
                          TransactionSynchronizationRegistry transactions, ConnectionDefinitionMonitor monitor,
                          Tracing tracing) throws IOException, InterruptedException {
        this.factory = factory;
        this.settings = settings;
        this.signOn = signOn;
        this.transactions = transactions;
        this.monitor = monitor;
        this.tracing = tracing;
        this.watch = new ConnectionWatch(settings.redactedServers(), monitor,
                () -> !destroyed && handles.isEmpty() && xaResource.idle(), this::closedForGood);
        this.connection = Nats.connect(settings.toOptions(null, watch,
                new ClientErrorLogger("NATS outbound connection")).build());
        watch.watching(connection);
        monitor.opened(connection);
        this.streams = new StreamDirectory(connection);
    }

    /** @return the jnats connection, for the transaction's atomic batch */
    Connection jnats() {
        return connection;
    }

    /** @return which stream stores which subject, as this connection's account sees it */
    StreamDirectory streams() {
        return streams;
    }

    /** @return how this connection's definition commits transactions */
    AtomicCommit atomicCommit() {
        return factory.atomicCommitMode();
    }

    /**
     * @return whether the connection is connected, waiting up to {@code timeout} for a reconnect
     *         (false at once when it is closed for good)
     */
    boolean awaitConnected(Duration timeout) {
        return watch.awaitConnected(timeout);
    }

    /** @return {@link ConnectionWatch#awaitReady}: connected, and after a reconnect, its writer back */
    boolean awaitReady(Duration timeout) {
        return watch.awaitReady(timeout);
    }

    /** @return where this connection's definition counts what goes through it */
    ConnectionDefinitionMonitor monitor() {
        return monitor;
    }

    /** @return who the server signed this connection on as, or {@code null} */
    SignOn signOn() {
        return signOn;
    }

    NatsManagedConnectionFactory factory() {
        return factory;
    }

    /** @return how many PINGs this connection has sent (each flush sends one): the commit's round trips, for tests */
    long pingsSent() {
        return connection.getStatistics().getPings();
    }

    /** @return the key of the calling thread's transaction in the server's registry, or {@code null} */
    Object threadTransactionKey() {
        TransactionSynchronizationRegistry tsr = transactions;
        if (tsr == null) {
            return null;
        }
        try {
            return tsr.getTransactionKey();
        } catch (RuntimeException e) {
            return null;
        }
    }

    /**
     * Calls {@code afterCompletion} with the outcome (a {@link Status} constant) when the calling
     * thread's transaction completes, if a server's registry can tell.
     *
     * @return whether it will be called
     */
    boolean onCompletion(java.util.function.IntConsumer afterCompletion) {
        TransactionSynchronizationRegistry tsr = transactions;
        if (tsr == null) {
            return false;
        }
        try {
            dev.natsjca.tx.AfterCompletion.register(tsr, afterCompletion);
            return true;
        } catch (RuntimeException e) {
            return false; // no transaction on this thread, or it is completing already
        }
    }

    /** @return the server's max_payload, for tests */
    long maxPayload() {
        return connection.getMaxPayload();
    }

    /** @return whether the jnats connection is connected right now (not reconnecting) */
    boolean connected() {
        return connection.getStatus() == Connection.Status.CONNECTED;
    }

    boolean isUsable() {
        return !destroyed && connection.getStatus() != Connection.Status.CLOSED;
    }

    @Override
    public Object getConnection(Subject subject, ConnectionRequestInfo info) throws ResourceException {
        if (destroyed) {
            throw new jakarta.resource.spi.IllegalStateException("Managed connection is destroyed");
        }
        if (subject != null && !Objects.equals(SignOn.from(subject, factory), signOn)) {
            throw new SecurityException("This NATS connection is signed on as "
                    + (signOn == null ? "the configured user" : "user '" + signOn.user() + "'")
                    + " and cannot re-authenticate as another; the pool must match connections by user");
        }
        NatsConnectionHandle handle = new NatsConnectionHandle(this);
        synchronized (watch.lock()) {
            watch.awaitMoveUnderWay(RECONNECT_AT_COMMIT);
            handles.add(handle);
        }
        monitor.handleHandedOut();
        return handle;
    }

    @Override
    public void associateConnection(Object handle) throws ResourceException {
        if (!(handle instanceof NatsConnectionHandle)) {
            throw new jakarta.resource.spi.IllegalStateException("Not a NATS connection handle: " + handle);
        }
        NatsConnectionHandle h = (NatsConnectionHandle) handle;
        NatsManagedConnection previous = h.reassign(this);
        if (previous != null) {
            previous.handles.remove(h);
        }
        synchronized (watch.lock()) {
            watch.awaitMoveUnderWay(RECONNECT_AT_COMMIT);
            handles.add(h);
        }
    }

    /** Invalidates every handle still out: using one afterwards throws {@link IllegalStateException}. */
    @Override
    public void cleanup() {
        for (NatsConnectionHandle h : handles) {
            h.invalidate("the server cleaned up its pooled connection (at the end of the transaction or component "
                    + "call it was obtained in)");
        }
        handles.clear();
        xaResource.cleanup();
        watch.moveOffLameDuckWhenIdle(); // its server is in lame-duck mode: now that nothing is under way
    }

    @Override
    public void destroy() {
        if (destroyed) {
            return;
        }
        destroyed = true; // first: a publish racing with the destroy must fail, not be sent at once
        xaResource.discardAll();
        for (NatsConnectionHandle h : handles) {
            h.invalidate("the pooled NATS connection behind it was destroyed (it failed, or the transaction "
                    + "manager timed its transaction out)");
        }
        handles.clear();
        try {
            if (connection.getStatus() == Connection.Status.CONNECTED) {
                connection.flush(FLUSH_ON_DESTROY);
            }
        } catch (TimeoutException e) {
            LOG.log(Level.WARNING, "NATS outbound connection: buffered messages not confirmed flushed within {0} "
                    + "before close", FLUSH_ON_DESTROY);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            connection.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            monitor.closed(connection);
        }
    }

    void publish(String subject, Headers headers, byte[] data) {
        String problem = Subjects.publishProblem(subject);
        if (problem != null) {
            throw new IllegalArgumentException("Invalid publish subject '" + subject + "': " + problem);
        }
        requireTtlSupport(subject, headers, false); // a core publish may be stored by a stream too
        refuseBatchHeaders(subject, headers);
        Headers traced = tracing.withContext(headers);
        if (stageInTransaction(subject)) {
            xaResource.stage(new StagingXAResource.Staged(subject, copyOf(traced), data, false, null, null, false));
            monitor.staged();
            return;
        }
        try {
            connection.publish(subject, traced, data);
            monitor.published();
        } catch (IllegalStateException | IllegalArgumentException e) {
            throw new NatsException("NATS refused a message on subject '" + subject + "': " + e.getMessage(), e);
        }
    }

    /**
     * @return the acknowledgement: complete when sent now; completed at commit (or exceptionally at
     *         rollback) when staged in a transaction
     */
    CompletableFuture<PublishAck> jetStreamPublish(String subject, Headers headers, byte[] data,
                                                   PublishOptions options) {
        String problem = Subjects.publishProblem(subject);
        if (problem != null) {
            throw new IllegalArgumentException("Invalid publish subject '" + subject + "': " + problem);
        }
        Headers h = headers == null ? new Headers() : copyOf(headers);
        requireTtlSupport(subject, h, options != null && options.getMessageTtl() != null);
        refuseBatchHeaders(subject, h);
        boolean generatedId = (options == null || options.getMessageId() == null) && !h.containsKey(MSG_ID);
        if (generatedId) {
            // Generated once, when staged: a retried commit carries the same id, and the stream's
            // duplicate window drops the repeat.
            h.put(MSG_ID, NUID.nextGlobal());
        }
        tracing.injectInto(h);
        if (stageInTransaction(subject)) {
            CompletableFuture<PublishAck> ack = new CompletableFuture<>();
            xaResource.stage(new StagingXAResource.Staged(subject, h, data, true, options, ack, generatedId));
            monitor.staged();
            return ack;
        }
        PublishAck ack = jetStreamPublishNow(subject, h, data, options);
        monitor.published();
        return CompletableFuture.completedFuture(ack);
    }

    /**
     * @return a copy that shares nothing with {@code headers}: jnats' copy constructor shares the
     *         value lists, so an application adding to its headers after a staged publish would
     *         change (and break the serialized length of) the staged message
     */
    static Headers copyOf(Headers headers) {
        if (headers == null) {
            return null;
        }
        Headers copy = new Headers();
        for (String key : headers.keySet()) {
            copy.put(key, new java.util.ArrayList<>(headers.get(key)));
        }
        return copy;
    }

    /**
     * A per-message TTL needs a server that honours it: an older one would store the message and
     * ignore the TTL, keeping it for good. The header must be spelled as the server reads it.
     *
     * @throws NatsException naming the subject, and the versions or the header
     */
    private void requireTtlSupport(String subject, Headers headers, boolean inOptions) {
        boolean ttl = inOptions;
        if (headers != null) {
            for (String key : headers.keySet()) {
                if (key.equalsIgnoreCase(MESSAGE_TTL)) {
                    if (!key.equals(MESSAGE_TTL)) {
                        throw new NatsException("Not sent on '" + subject + "': header '" + key + "' is not '"
                                + MESSAGE_TTL + "': the server reads only that spelling and would ignore the TTL");
                    }
                    ttl = true;
                }
            }
        }
        io.nats.client.api.ServerInfo server = connection.getServerInfo();
        if (ttl && server != null && !server.isSameOrNewerThanVersion(MESSAGE_TTL_SINCE)) {
            throw new NatsException("Not sent on '" + subject + "': a per-message TTL needs nats-server "
                    + MESSAGE_TTL_SINCE + " or newer; the server is " + server.getVersion());
        }
    }

    /**
     * A stream stages a message with {@code Nats-Batch-*} headers for a batch only the adapter
     * could commit, and drops it ten seconds later: the message would be lost without a word.
     */
    private static void refuseBatchHeaders(String subject, Headers headers) {
        if (headers == null) {
            return;
        }
        for (String key : headers.keySet()) {
            if (key.regionMatches(true, 0, "Nats-Batch-", 0, 11)) {
                throw new NatsException("Not sent on '" + subject + "': header '" + key + "' is the server's atomic "
                        + "batch protocol, which the adapter runs itself for transactions (atomicCommit); a message "
                        + "carrying it would be staged and never stored");
            }
        }
    }

    private PublishAck jetStreamPublishNow(String subject, Headers h, byte[] data, PublishOptions options) {
        try {
            return jetStream().publish(subject, h, data, options);
        } catch (JetStreamApiException | IOException | IllegalStateException | IllegalArgumentException e) {
            throw JetStreamErrors.refused(subject, e);
        }
    }

    /**
     * @return whether a publish must be staged in the transaction this connection is enlisted in
     *         (else it is sent at once)
     * @throws NatsException when the thread's transaction forbids both, see the class comment
     */
    private boolean stageInTransaction(String subject) {
        if (destroyed) {
            throw new NatsException("The pooled NATS connection was destroyed; nothing is sent on '" + subject + "'");
        }
        boolean enlisted = xaResource.inTransaction();
        TransactionSynchronizationRegistry tsr = transactions;
        if (tsr == null) {
            return enlisted;
        }
        int status;
        try {
            status = tsr.getTransactionStatus();
        } catch (RuntimeException e) {
            return enlisted; // the registry cannot tell (no transaction context on this thread)
        }
        switch (status) {
            case Status.STATUS_NO_TRANSACTION:
            case Status.STATUS_COMMITTED:
                return false; // nothing of this thread's: even if another thread's branch is on this connection
            case Status.STATUS_ACTIVE:
                if (enlisted) {
                    Object branchKey = xaResource.associatedTransactionKey();
                    Object threadKey = tsr.getTransactionKey();
                    if (branchKey == null || branchKey.equals(threadKey)) {
                        return true;
                    }
                    throw new NatsException("Not sent on '" + subject + "': this NATS connection is enlisted in "
                            + "another transaction than the thread's (a handle shared between threads or kept "
                            + "across calls?); get the handle in the transaction that publishes");
                }
                throw new NatsException("Not sent on '" + subject + "': the thread runs in a transaction this NATS "
                        + "connection is not enlisted in (a handle obtained before the transaction began and kept?); "
                        + "get the handle inside the transaction, or publish outside it");
            default:
                throw new NatsException("Not sent on '" + subject + "': the thread's transaction is "
                        + statusName(status) + " (timed out, or rolled back by the transaction manager); a message "
                        + "published now could only leave at once, outside it");
        }
    }

    private static String statusName(int status) {
        return switch (status) {
            case Status.STATUS_MARKED_ROLLBACK -> "marked for rollback";
            case Status.STATUS_ROLLEDBACK -> "rolled back";
            case Status.STATUS_ROLLING_BACK -> "rolling back";
            case Status.STATUS_PREPARING, Status.STATUS_PREPARED -> "being prepared";
            case Status.STATUS_COMMITTING -> "committing";
            default -> "in an unknown state (" + status + ")";
        };
    }

    /** Sends a transaction's staged messages and waits until the server has them, see {@link StagedSender}. */
    void sendStaged(List<StagingXAResource.Staged> staged) {
        // A commit that meets a reconnect (a node of the cluster lost, a lame duck left: another
        // node takes the connection within a second) waits for it a little rather than rolling
        // back at once; the sender fails when the connection is still down.
        long started = System.nanoTime();
        awaitReady(RECONNECT_AT_COMMIT);
        Duration left = COMMIT_TIMEOUT.minusNanos(System.nanoTime() - started);
        StagedSender.send(connection, () -> {
            try {
                return jetStream();
            } catch (IOException e) {
                throw new NatsException("No JetStream context: " + e.getMessage(), e);
            }
        }, staged, left.compareTo(MIN_SEND) < 0 ? MIN_SEND : left, settings.redactedServers(), subject -> {
            try {
                // Asked of the cluster's stream assignments (the meta leader), not of the streams:
                // a stream without a leader still counts.
                return !connection.jetStreamManagement(ASSIGNMENTS).getStreamNames(subject).isEmpty();
            } catch (IOException | JetStreamApiException | RuntimeException e) {
                return true; // cannot tell now (the cluster is electing its leaders, say): try again
            }
        });
    }

    /** How long a commit waits for a connection that is reconnecting before it gives up on it. */
    static final Duration RECONNECT_AT_COMMIT = Duration.ofSeconds(3);

    /** Asking which stream a subject is assigned to, while a commit waits for it: briefly. */
    private static final io.nats.client.JetStreamOptions ASSIGNMENTS = io.nats.client.JetStreamOptions.builder()
            .requestTimeout(Duration.ofSeconds(1)).build();

    /** The least time a commit's send gets to be confirmed, however long it waited for a reconnect. */
    private static final Duration MIN_SEND = Duration.ofSeconds(2);

    Message request(String subject, Headers headers, byte[] data, Duration timeout) {
        String problem = Subjects.publishProblem(subject);
        if (problem != null) {
            throw new IllegalArgumentException("Invalid request subject '" + subject + "': " + problem);
        }
        try {
            Message reply = connection.request(subject, tracing.withContext(headers), data, timeout);
            if (reply == null) {
                throw new NatsTimeoutException("No reply on subject '" + subject + "' within " + timeout
                        + " (no responder, or it was too slow)");
            }
            return reply;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NatsException("Interrupted waiting for a reply on subject '" + subject + "'", e);
        }
    }

    /** Hands out jnats' own management views on this connection, wrapping only the checked exception. */
    <T> T management(String what, IoFunction<T> getter) {
        try {
            return getter.apply(connection);
        } catch (IOException e) {
            throw new NatsException("Cannot get " + what + ": " + e.getMessage(), e);
        }
    }

    /** A jnats accessor that may throw {@link IOException}. */
    @FunctionalInterface
    interface IoFunction<T> {
        T apply(Connection connection) throws IOException;
    }

    private JetStream jetStream() throws IOException {
        JetStream js = jetStream;
        if (js == null) {
            js = connection.jetStream();
            jetStream = js;
        }
        return js;
    }

    /** A handle was closed by the application: the pool may take this connection back. */
    void handleClosed(NatsConnectionHandle handle) {
        handles.remove(handle);
        ConnectionEvent event = new ConnectionEvent(this, ConnectionEvent.CONNECTION_CLOSED);
        event.setConnectionHandle(handle);
        for (ConnectionEventListener l : listeners) {
            l.connectionClosed(event);
        }
    }

    @Override
    public void addConnectionEventListener(ConnectionEventListener listener) {
        listeners.add(listener);
    }

    @Override
    public void removeConnectionEventListener(ConnectionEventListener listener) {
        listeners.remove(listener);
    }

    /** @return this connection's resource: publishes during an enlisted branch are staged, see {@link StagingXAResource} */
    @Override
    public XAResource getXAResource() {
        return xaResource;
    }

    @Override
    public LocalTransaction getLocalTransaction() throws ResourceException {
        throw new NotSupportedException("NATS connections do not support local transactions");
    }

    @Override
    public ManagedConnectionMetaData getMetaData() {
        return new ManagedConnectionMetaData() {
            @Override
            public String getEISProductName() {
                return "NATS";
            }

            @Override
            public String getEISProductVersion() {
                return connection.getServerInfo() == null ? "unknown" : connection.getServerInfo().getVersion();
            }

            @Override
            public int getMaxConnections() {
                return 0;
            }

            @Override
            public String getUserName() {
                return signOn != null ? signOn.user() : settings.user();
            }
        };
    }

    @Override
    public PrintWriter getLogWriter() {
        return logWriter;
    }

    @Override
    public void setLogWriter(PrintWriter out) {
        this.logWriter = out;
    }

    @Override
    public String toString() {
        return "NatsManagedConnection[" + settings.redactedServers() + ", " + connection.getStatus() + "]";
    }

    /** jnats gave up (reconnects exhausted, or closed under us): tell the pool to drop this one. */
    private void closedForGood() {
        if (destroyed) {
            return;
        }
        LOG.log(Level.WARNING, "NATS outbound connection to {0} closed for good; the pool will replace it",
                settings.redactedServers());
        ConnectionEvent event = new ConnectionEvent(this, ConnectionEvent.CONNECTION_ERROR_OCCURRED,
                new IOException("NATS connection closed for good"));
        for (ConnectionEventListener l : listeners) {
            l.connectionErrorOccurred(event);
        }
    }
}
