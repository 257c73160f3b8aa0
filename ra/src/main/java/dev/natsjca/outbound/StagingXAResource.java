package dev.natsjca.outbound;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;

import javax.transaction.xa.XAException;
import javax.transaction.xa.Xid;

import dev.natsjca.api.NatsException;
import dev.natsjca.tx.NoRecoveryXAResource;
import dev.natsjca.tx.Xids;
import io.nats.client.JetStreamApiException;
import io.nats.client.PublishOptions;
import io.nats.client.api.PublishAck;
import io.nats.client.impl.Headers;

/**
 * Makes publishes through a managed connection follow the JTA transaction it is enlisted in.
 *
 * <p>While a transaction branch is associated ({@code start} .. {@code end}), publishes are staged
 * for that branch instead of sent. How they leave depends on the connection definition's
 * {@code atomicCommit} ({@link AtomicCommit}):
 * <ul>
 * <li><b>Atomic</b> (JetStream messages to one stream that allows atomic publish, nats-server
 *     2.12+): {@link #prepare} stages them on the server as one batch and waits until it holds
 *     them; {@link #commit} commits the batch, and the stream stores all of them at once;
 *     {@link #rollback} aborts it, and nothing is stored. A one-phase commit sends the batch with
 *     its commit. A commit that cannot store the batch is reported heuristic ({@code XA_HEURRB},
 *     or {@code XA_HEURHAZ} when it cannot tell), never as committed, with an ERROR naming the
 *     branch and the batch; the branch is remembered until {@link #forget}.</li>
 * <li><b>Otherwise</b>: {@link #prepare} sends them, in order, and waits until the server has
 *     them ({@link StagedSender}); if that fails the branch votes rollback. A one-phase commit does
 *     the same in {@link #commit}. The window that remains: messages sent in prepare are out even
 *     if something after it fails (the last resource's commit, another participant's prepare, a
 *     crash); each JetStream message carries a {@code Nats-Msg-Id} so consumers and the stream can
 *     recognise a repeat.</li>
 * </ul>
 * Working in prepare is what lets a refusal roll the transaction back, also beside a non-XA
 * datasource: the transaction manager prepares this resource before it commits the datasource as
 * its one-phase "last resource", and JPA flushes before any prepare. {@link #rollback} discards
 * the staged messages. A branch that staged nothing is read-only. Nothing is left for recovery:
 * the server drops a batch that is not committed within ten seconds, so after a crash there is
 * nothing in doubt to commit, and {@link #recover} reports nothing.
 *
 * <h2>The XA protocol, strictly</h2>
 * Calls out of order are refused as the XA specification says ({@code XAER_PROTO},
 * {@code XAER_NOTA}, {@code XAER_DUPID}, {@code XAER_INVAL}), never answered with success: a branch
 * ended with {@code TMFAIL} votes rollback; a branch whose messages were discarded because the
 * managed connection was destroyed answers prepare and commit with {@code XA_RBROLLBACK}, so the
 * transaction cannot commit without them.
 *
 * <h2>Ended by someone else</h2>
 * When the branch associated with the connection is ended or rolled back from another thread
 * than the one that started it (a transaction manager timing the transaction out), the connection
 * refuses every publish until the pool takes it back ({@link #cleanup()}) or a new branch starts:
 * a publish then could only be sent at once, outside the transaction the bean still runs in.
 */
final class StagingXAResource extends NoRecoveryXAResource {

    private static final System.Logger LOG = System.getLogger(StagingXAResource.class.getName());

    /**
     * One staged publish. JetStream ones complete their future with the ack.
     *
     * @param generatedId whether the adapter generated its {@code Nats-Msg-Id} (else the application set one)
     */
    record Staged(String subject, Headers headers, byte[] data, boolean jetStream, PublishOptions options,
                  CompletableFuture<PublishAck> ack, boolean generatedId) {
    }

    /** Where a branch is in the protocol. */
    private enum State { ACTIVE, SUSPENDED, ENDED, ROLLBACK_ONLY, SENDING, PREPARED, COMMITTING, HEURISTIC, DISCARDED }

    /** Branches this resource ended on its own (a failed send, a destroyed connection), remembered this many at most. */
    static final int MAX_TOMBSTONES = Tombstones.MAX;

    /** One transaction branch on this connection. */
    private static final class Branch {
        State state = State.ACTIVE;
        final List<Staged> staged = new ArrayList<>();
        Thread owner = Thread.currentThread();
        /** A rollback came while prepare was sending. */
        boolean rollbackWhileSending;
        /** The transaction it belongs to, as the server's registry names it; {@code null} outside a server. */
        Object transactionKey;
        /** The batch the server holds for it since prepare; {@code null}: its messages were sent at prepare. */
        AtomicBatch batch;
        /** The heuristic outcome reported by commit, until the transaction manager forgets the branch. */
        int heuristic;
        /** Its messages are being sent by a one-phase commit, which a rollback cannot stop any more. */
        boolean onePhase;
    }

    private final NatsManagedConnection connection;
    private final Map<Xid, Branch> branches = new ConcurrentHashMap<>();
    /** Branches this resource ended on its own, and how. Guarded by this. */
    private final Tombstones tombstones = new Tombstones();
    // Guarded by this.
    private Xid current;
    /** Set when another thread ended the associated branch; publishes fail until cleanup or a new start. */
    private String doomed;

    StagingXAResource(NatsManagedConnection connection) {
        this.connection = connection;
    }

    /**
     * @return whether a transaction branch is associated now, so publishes must be staged
     * @throws NatsException when the transaction manager ended the associated branch from another
     *         thread (it timed out): nothing may be sent until the bean's transaction is over
     */
    synchronized boolean inTransaction() {
        if (doomed != null) {
            throw new NatsException(doomed);
        }
        return current != null;
    }

    /**
     * @return the key of the transaction the associated branch belongs to (as the server's
     *         registry names it when the branch started), or {@code null}
     */
    synchronized Object associatedTransactionKey() {
        Branch b = current == null ? null : branches.get(current);
        return b == null ? null : b.transactionKey;
    }

    /** Stages a publish in the associated branch. */
    synchronized void stage(Staged message) {
        Branch b = current == null ? null : branches.get(current);
        if (b == null || b.state != State.ACTIVE) {
            throw new IllegalStateException("no transaction branch associated");
        }
        b.staged.add(message);
    }

    @Override
    public synchronized void start(Xid xid, int flags) throws XAException {
        if (current != null) {
            throw xa(XAException.XAER_PROTO, "start(" + Xids.describe(xid) + "): branch " + Xids.describe(current) + " is still associated");
        }
        Branch b = branches.get(xid);
        if (flags == TMNOFLAGS) {
            if (b != null) {
                throw xa(XAException.XAER_DUPID, "start(" + Xids.describe(xid) + ", TMNOFLAGS): the branch exists already");
            }
            Branch fresh = new Branch();
            fresh.transactionKey = connection.threadTransactionKey();
            branches.put(xid, fresh);
            connection.onCompletion(status -> completed(xid, status));
        } else if (flags == TMJOIN || flags == TMRESUME) {
            State expected = flags == TMJOIN ? State.ENDED : State.SUSPENDED;
            if (b == null) {
                throw xa(XAException.XAER_NOTA, "start(" + Xids.describe(xid) + ", " + (flags == TMJOIN ? "TMJOIN" : "TMRESUME")
                        + "): unknown branch");
            }
            if (b.state != expected) {
                throw xa(XAException.XAER_PROTO, "start(" + Xids.describe(xid) + "): the branch is " + b.state);
            }
            b.state = State.ACTIVE;
            b.owner = Thread.currentThread();
        } else {
            throw xa(XAException.XAER_INVAL, "start(" + Xids.describe(xid) + "): flags " + flags);
        }
        current = xid;
        doomed = null;
    }

    @Override
    public synchronized void end(Xid xid, int flags) throws XAException {
        Branch b = known(xid, "end");
        if (b.state == State.DISCARDED) {
            return; // the connection was destroyed meanwhile; prepare and commit will say so
        }
        if (flags == TMSUSPEND) {
            if (b.state != State.ACTIVE || !xid.equals(current)) {
                throw xa(XAException.XAER_PROTO, "end(" + Xids.describe(xid) + ", TMSUSPEND): the branch is " + b.state);
            }
            b.state = State.SUSPENDED;
            current = null;
            return;
        }
        if (flags != TMSUCCESS && flags != TMFAIL) {
            throw xa(XAException.XAER_INVAL, "end(" + Xids.describe(xid) + "): flags " + flags);
        }
        if (b.state != State.ACTIVE && b.state != State.SUSPENDED) {
            throw xa(XAException.XAER_PROTO, "end(" + Xids.describe(xid) + "): the branch is " + b.state);
        }
        dissociate(xid, b, "ended");
        b.state = flags == TMFAIL ? State.ROLLBACK_ONLY : State.ENDED;
    }

    @Override
    public int prepare(Xid xid) throws XAException {
        List<Staged> toSend;
        synchronized (this) {
            Branch b = known(xid, "prepare");
            switch (b.state) {
                case ENDED -> {
                    if (b.staged.isEmpty()) {
                        branches.remove(xid);
                        return XA_RDONLY;
                    }
                }
                case ROLLBACK_ONLY -> {
                    discard(xid, b, "the branch was ended with TMFAIL");
                    throw xa(XAException.XA_RBROLLBACK, "prepare(" + Xids.describe(xid) + "): the branch was ended with TMFAIL");
                }
                case DISCARDED -> throw discarded(xid, "prepare");
                default -> throw xa(XAException.XAER_PROTO, "prepare(" + Xids.describe(xid) + "): the branch is " + b.state);
            }
            b.state = State.SENDING; // nothing else may touch it while its messages go out
            toSend = List.copyOf(b.staged);
        }
        // jnats drops what an interrupted thread writes: the flag waits until the branch is prepared.
        boolean interrupted = Thread.interrupted();
        try {
            return prepareSending(xid, toSend);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private int prepareSending(Xid xid, List<Staged> toSend) throws XAException {
        AtomicBatch batch = plan(xid, toSend, true);
        if (batch != null && !stage(xid, batch)) {
            batch = null; // the server cannot take it as a batch now: nothing of it is stored
        }
        if (batch == null) {
            send(xid, toSend, false);
        }
        boolean abort = false;
        try {
            return prepared(xid, toSend, batch);
        } catch (XAException e) {
            abort = batch != null;
            throw e;
        } finally {
            if (abort) {
                batch.abort(); // outside the lock: it publishes
            }
        }
    }

    /** Prepare has sent: the branch is prepared, unless it was rolled back or its connection destroyed meanwhile. */
    private synchronized int prepared(Xid xid, List<Staged> toSend, AtomicBatch batch) throws XAException {
        {
            Branch b = branches.get(xid);
            if (b != null && b.rollbackWhileSending) {
                branches.remove(xid);
                tombstones.rolledBack(xid, "the transaction manager rolled it back during prepare");
                connection.monitor().rolledBack();
                if (batch != null) {
                    failAcks(toSend, new NatsException("Not published: the transaction rolled back"));
                } else {
                    warnSentAnyway(toSend.size());
                }
                throw xa(XAException.XA_RBROLLBACK, "prepare(" + Xids.describe(xid) + "): the transaction manager "
                        + "rolled the branch back while its messages were being sent");
            }
            if (b != null && batch != null && !connection.isUsable()) {
                // Destroyed while the batch was staged: no commit could be sent on it.
                branches.remove(xid);
                tombstones.rolledBack(xid, "the NATS connection was destroyed during prepare");
                failAcks(toSend, new NatsException("Not published: the NATS connection was destroyed during prepare"));
                connection.monitor().rolledBack();
                throw xa(XAException.XA_RBROLLBACK, "prepare(" + Xids.describe(xid) + "): the NATS connection was "
                        + "destroyed while the batch was staged; nothing of it is stored");
            }
            if (b != null) {
                b.batch = batch;
                b.state = State.PREPARED;
            }
        }
        return XA_OK;
    }

    /**
     * @return the atomic batch for a branch's messages, or {@code null} for sending them at prepare
     * @throws XAException {@code XA_RBROLLBACK}: {@code atomicCommit=required} and the messages cannot be atomic
     */
    private AtomicBatch plan(Xid xid, List<Staged> staged, boolean twoPhase) throws XAException {
        try {
            return connection.atomicCommit().plan(connection, staged, twoPhase);
        } catch (RuntimeException e) {
            throw rolledBackHere(xid, staged, e, XAException.XA_RBROLLBACK);
        }
    }

    /**
     * Stages the batch on the server (prepare).
     *
     * @return true when staged; false when the server refused it for capacity or capability and
     *         {@code atomicCommit=auto} lets the branch fall back to sending at prepare
     * @throws XAException (rolled back) when the server refused a message, or did not answer
     */
    private boolean stage(Xid xid, AtomicBatch batch) throws XAException {
        try {
            batch.stage();
            return true;
        } catch (AtomicBatch.Refused r) {
            if (r.capability() && connection.atomicCommit() == AtomicCommit.AUTO) {
                AtomicCommit.fellBack(batch.stream(), r.getMessage());
                return false;
            }
            throw rolledBackHere(xid, batch.messages(), new NatsException("Not published: stream '" + batch.stream()
                    + "' refused the transaction's batch at prepare, nothing of it is stored: " + r.getMessage()
                    + (r.code == AtomicBatch.TOO_MANY_BATCHES ? " (the server holds at most 50 batches in prepare per "
                    + "stream; retry the transaction)" : ""), r), r.transientRefusal() ? XAException.XA_RBTRANSIENT
                    : r.timedOut ? XAException.XA_RBTIMEOUT : XAException.XA_RBINTEGRITY);
        }
    }

    /** The branch rolled back here, with nothing stored: each message's stage fails with {@code why}. */
    private XAException rolledBackHere(Xid xid, List<Staged> staged, RuntimeException why, int code) {
        synchronized (this) {
            branches.remove(xid);
            tombstones.rolledBack(xid, why.getMessage());
        }
        failAcks(staged, why instanceof NatsException n ? n : new NatsException(why.getMessage(), why));
        connection.monitor().rolledBack();
        LOG.log(Level.WARNING, "NATS transaction branch {0} rolls back: {1}", Xids.describe(xid), why.getMessage());
        XAException xa = xa(code, why.getMessage());
        xa.initCause(why);
        return xa;
    }

    @Override
    public void commit(Xid xid, boolean onePhase) throws XAException {
        List<Staged> toSend;
        AtomicBatch batch;
        synchronized (this) {
            Branch b = known(xid, "commit");
            if (b.state == State.DISCARDED) {
                throw discarded(xid, "commit");
            }
            if (!onePhase) {
                if (b.state == State.HEURISTIC) {
                    throw xa(b.heuristic, "commit(" + Xids.describe(xid) + "): already completed heuristically");
                }
                if (b.state != State.PREPARED) {
                    throw xa(XAException.XAER_PROTO, "commit(" + Xids.describe(xid) + ", two-phase): the branch is " + b.state
                            + ", not prepared");
                }
                if (b.batch == null) {
                    branches.remove(xid);
                    connection.monitor().committed();
                    return;
                }
                b.state = State.COMMITTING;
                batch = b.batch;
                toSend = List.copyOf(b.staged);
            } else {
                if (b.state == State.ROLLBACK_ONLY) {
                    discard(xid, b, "the branch was ended with TMFAIL");
                    throw xa(XAException.XA_RBROLLBACK, "commit(" + Xids.describe(xid) + "): the branch was ended with TMFAIL");
                }
                if (b.state != State.ENDED) {
                    throw xa(XAException.XAER_PROTO, "commit(" + Xids.describe(xid) + ", one-phase): the branch is " + b.state);
                }
                b.state = State.SENDING;
                b.onePhase = true;
                toSend = List.copyOf(b.staged);
                batch = null;
            }
        }
        // jnats drops what an interrupted thread writes: the flag waits until the commit is over.
        boolean interrupted = Thread.interrupted();
        try {
            if (onePhase) {
                commitOnePhase(xid, toSend);
            } else {
                commitBatch(xid, batch, toSend);
            }
        } catch (RuntimeException e) {
            // Unforeseen: the outcome is unknown. A transaction manager reads anything but an
            // XAException as committed, and the delivery that led here would be acked.
            String what = "NATS transaction branch " + Xids.describe(xid) + ": the commit of its " + toSend.size()
                    + " message(s) failed unexpectedly; they may or may not be stored: " + e;
            LOG.log(Level.ERROR, what, e);
            synchronized (this) {
                Branch b = branches.get(xid);
                if (b != null) {
                    b.state = State.HEURISTIC;
                    b.heuristic = XAException.XA_HEURHAZ;
                }
            }
            XAException xa = xa(XAException.XA_HEURHAZ, what);
            xa.initCause(e);
            throw xa;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void commitOnePhase(Xid xid, List<Staged> toSend) throws XAException {
        if (!toSend.isEmpty()) {
            AtomicBatch batch = plan(xid, toSend, false);
            boolean sent = false;
            if (batch != null) {
                try {
                    complete(toSend, batch, batch.commitAll());
                    sent = true;
                } catch (AtomicBatch.Refused r) {
                    if (!(r.capability() && connection.atomicCommit() == AtomicCommit.AUTO)) {
                        throw rolledBackHere(xid, toSend, new NatsException("Not published: stream '" + batch.stream()
                                + "' refused the transaction's batch, nothing of it is stored: " + r.getMessage(), r),
                                XAException.XA_RBROLLBACK);
                    }
                    AtomicCommit.fellBack(batch.stream(), r.getMessage());
                } catch (AtomicBatch.CommitFailed f) {
                    if (f.outcome != AtomicBatch.Outcome.HAZARD && f.outcome != AtomicBatch.Outcome.STORED_OR_DUPLICATE) {
                        throw rolledBackHere(xid, toSend, new NatsException("Not published: " + f.getMessage(), f),
                                XAException.XA_RBROLLBACK); // not RBCOMMFAIL: Payara would retry it as transient
                    }
                    heuristic(xid, batch, toSend, f);
                }
            }
            if (!sent) {
                send(xid, toSend, true);
            }
            connection.monitor().committed();
        }
        synchronized (this) {
            branches.remove(xid);
        }
    }

    /** Two-phase commit of a batch the server holds since prepare. */
    private void commitBatch(Xid xid, AtomicBatch batch, List<Staged> toSend) throws XAException {
        try {
            complete(toSend, batch, batch.commit());
        } catch (AtomicBatch.CommitFailed f) {
            // Maybe stored by an unanswered commit: failing to tell leaves the outcome unknown.
            boolean maybeStored = f.outcome == AtomicBatch.Outcome.STORED_OR_DUPLICATE;
            if (!(f.outcome == AtomicBatch.Outcome.DUPLICATE || maybeStored)
                    || connection.atomicCommit() != AtomicCommit.AUTO) {
                heuristic(xid, batch, toSend, f);
            }
            // An application's Nats-Msg-Id repeats a stored message (a redelivered bean publishing
            // again, or this batch, stored by a commit whose answer was lost): one by one, as
            // without atomic commit, the stream drops each repeat and stores the rest.
            AtomicCommit.sentOneByOne(batch.stream(), f.getMessage(), maybeStored);
            if (!connection.awaitConnected(NatsManagedConnection.COMMIT_TIMEOUT)) {
                heuristic(xid, batch, toSend, new AtomicBatch.CommitFailed("the batch was refused for a repeated "
                        + "message id, and the connection to NATS did not come back to send it one by one",
                        maybeStored ? AtomicBatch.Outcome.HAZARD : AtomicBatch.Outcome.ROLLED_BACK, f));
            }
            try {
                connection.sendStaged(toSend);
            } catch (RuntimeException e) {
                long stored = toSend.stream().filter(m -> m.ack() != null && m.ack().isDone()
                        && !m.ack().isCompletedExceptionally()).count();
                boolean unknown = maybeStored || e.getMessage() == null
                        || !e.getMessage().contains("sent, not confirmed (core NATS, or no acknowledgement): none");
                heuristic(xid, batch, toSend, new AtomicBatch.CommitFailed("sent one by one after the batch was "
                        + "refused for a repeated message id: " + e.getMessage(), unknown ? AtomicBatch.Outcome.HAZARD
                        : stored == 0 ? AtomicBatch.Outcome.ROLLED_BACK : AtomicBatch.Outcome.MIXED, e));
            }
        }
        synchronized (this) {
            branches.remove(xid);
        }
        connection.monitor().committed();
    }

    private static void complete(List<Staged> staged, AtomicBatch batch, PublishAck batchAck) {
        List<PublishAck> acks;
        try {
            acks = batch.acks(batchAck);
        } catch (java.io.IOException | JetStreamApiException e) {
            acks = java.util.Collections.nCopies(staged.size(), batchAck);
        }
        for (int k = 0; k < staged.size(); k++) {
            if (staged.get(k).ack() != null) {
                staged.get(k).ack().complete(acks.get(k));
            }
        }
    }

    /**
     * The commit did not store the batch, or cannot tell: the transaction manager hears a
     * heuristic outcome (never "committed"), an ERROR names the transaction and the batch, and the
     * branch is remembered until {@link #forget}.
     */
    private void heuristic(Xid xid, AtomicBatch batch, List<Staged> staged, AtomicBatch.CommitFailed f)
            throws XAException {
        int code = switch (f.outcome) {
            case HAZARD, STORED_OR_DUPLICATE -> XAException.XA_HEURHAZ;
            case MIXED -> XAException.XA_HEURMIX;
            default -> XAException.XA_HEURRB;
        };
        String what = "NATS transaction branch " + Xids.describe(xid) + ": the commit of its " + staged.size() + " message(s) to stream '"
                + batch.stream() + "' (atomic batch " + batch.id() + ") " + (code == XAException.XA_HEURRB ? "stored nothing"
                : code == XAException.XA_HEURMIX ? "stored only some of them" : "has an unknown outcome") + ": "
                + f.getMessage();
        LOG.log(Level.ERROR, what);
        failAcks(staged, new NatsException(what, f));
        synchronized (this) {
            Branch b = branches.get(xid);
            if (b != null) {
                b.state = State.HEURISTIC;
                b.heuristic = code;
            }
        }
        connection.monitor().rolledBack();
        XAException xa = xa(code, what);
        xa.initCause(f);
        throw xa;
    }

    @Override
    public void rollback(Xid xid) throws XAException {
        AtomicBatch abort = rollbackBranch(xid);
        if (abort != null) {
            abort.abort(); // outside the lock: it publishes. Nothing of it is stored, and now nothing can be
        }
    }

    /** @return the batch to abort, or {@code null} */
    private synchronized AtomicBatch rollbackBranch(Xid xid) throws XAException {
        Branch b = known(xid, "rollback");
        if (b == null) {
            return null; // rolled back here already
        }
        if (b.state == State.HEURISTIC && b.heuristic == XAException.XA_HEURRB) {
            branches.remove(xid); // rolled back already, as asked
            return null;
        }
        if (b.state == State.HEURISTIC || b.state == State.COMMITTING || (b.state == State.SENDING && b.onePhase)) {
            throw xa(b.state == State.HEURISTIC ? b.heuristic : XAException.XAER_PROTO, "rollback("
                    + Xids.describe(xid) + "): the branch is " + (b.state == State.HEURISTIC
                    ? "completed heuristically" : "committing"));
        }
        if (b.state == State.PREPARED) {
            branches.remove(xid);
            connection.monitor().rolledBack();
            if (b.batch != null) {
                failAcks(b.staged, new NatsException("Not published: the transaction rolled back"));
                return b.batch;
            }
            warnSentAnyway(b.staged.size());
            return null;
        }
        if (b.state == State.SENDING) {
            // A transaction manager rolling back (a timeout) while prepare sends: prepare ends it.
            b.rollbackWhileSending = true;
            return null;
        }
        if (b.state == State.ACTIVE || b.state == State.SUSPENDED) {
            dissociate(xid, b, "rolled back");
        }
        if (b.state != State.DISCARDED) {
            failAcks(b.staged, new NatsException("Not published: the transaction rolled back"));
        }
        if (!b.staged.isEmpty()) {
            connection.monitor().rolledBack();
        }
        branches.remove(xid);
        return null;
    }

    /**
     * The branch's transaction is over. Normally commit or rollback has ended the branch already.
     * A transaction manager may end a transaction as rolled back without rolling back a prepared
     * branch (Payara, when its one-phase last resource fails to commit): the branch then rolls
     * back here, so its batch is aborted at once and its stages complete, instead of the server
     * dropping the batch ten seconds later and the stages never completing. A branch completed
     * heuristically is forgotten here too: the transaction manager has its outcome.
     */
    void completed(Xid xid, int status) {
        AtomicBatch abort;
        synchronized (this) {
            Branch b = branches.get(xid);
            if (b == null || b.state == State.COMMITTING || (b.state == State.SENDING && b.onePhase)) {
                return; // ended already, or the commit in progress ends it
            }
            if (b.state == State.HEURISTIC) {
                // Bounded from here on: forget still answers, and commit still tells the outcome.
                branches.remove(xid);
                tombstones.heuristic(xid, b.heuristic, "completed heuristically");
                return;
            }
            if (status == jakarta.transaction.Status.STATUS_COMMITTED) {
                return;
            }
            if (b.state == State.SENDING) {
                b.rollbackWhileSending = true; // the prepare in progress ends it
                return;
            }
            if (b.state == State.PREPARED) {
                LOG.log(Level.WARNING, "NATS transaction branch {0}: the transaction ended rolled back, but the "
                        + "transaction manager never rolled this prepared branch back; rolling it back now",
                        Xids.describe(xid));
            }
            try {
                abort = rollbackBranch(xid);
                tombstones.rolledBack(xid, "rolled back when its transaction completed rolled back");
            } catch (XAException e) {
                LOG.log(Level.WARNING, "NATS transaction branch {0}: rollback after completion failed: {1}",
                        Xids.describe(xid), e.getMessage());
                return;
            }
        }
        if (abort != null) {
            abort.abort();
        }
    }

    /** Forgets a branch completed heuristically (or one this resource rolled back on its own). */
    @Override
    public synchronized void forget(Xid xid) throws XAException {
        Branch b = known(xid, "forget");
        if (b == null) {
            return;
        }
        if (b.state != State.HEURISTIC) {
            throw xa(XAException.XAER_PROTO, "forget(" + Xids.describe(xid) + "): the branch is " + b.state
                    + ", not completed heuristically");
        }
        branches.remove(xid);
    }

    private static void warnSentAnyway(int n) {
        LOG.log(Level.WARNING, "A transaction rolled back after its {0} NATS message(s) were sent at prepare: "
                + "they stay sent (the window the README describes; JetStream messages carry a Nats-Msg-Id)", n);
    }

    /**
     * Sends a branch's messages; on failure the branch is rolled back here and the transaction
     * must roll back: {@code XA_RBINTEGRITY} when a stream refused a message, {@code XA_RBTIMEOUT}
     * when an acknowledgement did not come in time, otherwise (connection trouble)
     * {@code XA_RBCOMMFAIL} in prepare and {@code XA_RBROLLBACK} in a one-phase commit, which
     * Payara would otherwise retry as transient.
     */
    private void send(Xid xid, List<Staged> staged, boolean onePhase) throws XAException {
        try {
            connection.sendStaged(staged);
        } catch (RuntimeException e) {
            synchronized (this) {
                branches.remove(xid);
                tombstones.rolledBack(xid, "sending its messages failed: " + e.getMessage());
            }
            connection.monitor().rolledBack();
            LOG.log(Level.WARNING, "NATS publish at commit failed; the transaction rolls back: {0}", e.getMessage());
            XAException xa = new XAException(rollbackCode(e, onePhase));
            xa.initCause(e);
            throw xa;
        }
    }

    private static int rollbackCode(Throwable failure, boolean onePhase) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof JetStreamApiException) {
                return XAException.XA_RBINTEGRITY;
            }
            if (t instanceof TimeoutException) {
                return XAException.XA_RBTIMEOUT;
            }
        }
        return onePhase ? XAException.XA_RBROLLBACK : XAException.XA_RBCOMMFAIL;
    }

    /** The associated branch ends or rolls back: from another thread, the bean's transaction is doomed. */
    private void dissociate(Xid xid, Branch b, String how) {
        if (!xid.equals(current)) {
            return;
        }
        current = null;
        if (b.owner != Thread.currentThread() && b.state == State.ACTIVE) {
            doomed = "The transaction this NATS connection is enlisted in was " + how + " by the transaction manager "
                    + "on another thread (timed out?) while the bean still runs: nothing is sent until it ends";
        }
    }

    private void discard(Xid xid, Branch b, String why) {
        if (!b.staged.isEmpty()) {
            connection.monitor().rolledBack();
        }
        failAcks(b.staged, new NatsException("Not published: " + why));
        branches.remove(xid);
        tombstones.rolledBack(xid, why);
    }

    private XAException discarded(Xid xid, String call) {
        String why = "the NATS connection was destroyed before the branch's messages could be sent; they are discarded";
        branches.remove(xid);
        tombstones.rolledBack(xid, why);
        return xa(XAException.XA_RBROLLBACK, call + "(" + Xids.describe(xid) + "): " + why);
    }

    /**
     * @return the branch
     * @throws XAException {@code XA_RBROLLBACK} (or the heuristic outcome) for a branch this
     *         resource ended on its own (forget, and rollback of one rolled back, only forget it),
     *         {@code XAER_NOTA} for one it never knew
     */
    private Branch known(Xid xid, String call) throws XAException {
        Branch b = branches.get(xid);
        if (b != null) {
            return b;
        }
        Tombstones.Tombstone t = tombstones.get(xid);
        if (t != null) {
            if (call.equals("forget") || (call.equals("rollback") && t.rolledBack())) {
                tombstones.remove(xid);
                return null;
            }
            throw xa(t.code(), call + "(" + Xids.describe(xid) + "): the branch " + (t.code() == XAException.XA_RBROLLBACK
                    ? "was rolled back: " : "ended heuristically: ") + t.why());
        }
        throw xa(XAException.XAER_NOTA, call + "(" + Xids.describe(xid) + "): unknown branch");
    }

    private static void failAcks(List<Staged> staged, NatsException why) {
        for (Staged s : staged) {
            if (s.ack() != null) {
                s.ack().completeExceptionally(why);
            }
        }
    }

    private static XAException xa(int code, String message) {
        XAException e = new XAException(message);
        e.errorCode = code;
        return e;
    }

    /**
     * The pool is taking the connection back: drop the association. Staged branches stay: they
     * belong to transactions the transaction manager will still commit or roll back.
     */
    synchronized void cleanup() {
        current = null;
        doomed = null;
    }

    /**
     * @return whether no branch is associated or under way (a heuristic or discarded one waits
     *         only for the transaction manager to forget it): the connection may move to another
     *         server without cutting off a commit
     */
    synchronized boolean idle() {
        return current == null && branches.values().stream()
                .allMatch(b -> b.state == State.HEURISTIC || b.state == State.DISCARDED);
    }

    /**
     * The connection is being destroyed: staged messages can never be sent. Their branches stay
     * known, as discarded, so that prepare and commit vote rollback instead of answering
     * "read-only" or success; a branch that staged nothing stays read-only.
     */
    synchronized void discardAll() {
        current = null;
        for (Map.Entry<Xid, Branch> e : branches.entrySet()) {
            Branch b = e.getValue();
            if (b.state == State.SENDING || b.state == State.COMMITTING || b.state == State.HEURISTIC) {
                continue; // its send fails on the closed connection, and says so
            }
            if (b.state == State.PREPARED && b.batch != null) {
                // The server drops the batch it holds: only this connection would have committed it.
                String what = "NATS transaction branch " + Xids.describe(e.getKey()) + ": the NATS connection was destroyed after "
                        + "prepare, before the commit of its " + b.staged.size() + " message(s) to stream '"
                        + b.batch.stream() + "' (atomic batch " + b.batch.id() + "): nothing of it is stored";
                LOG.log(Level.ERROR, what);
                failAcks(b.staged, new NatsException(what));
                connection.monitor().rolledBack();
                b.state = State.HEURISTIC;
                b.heuristic = XAException.XA_HEURRB;
            } else if (!b.staged.isEmpty() && b.state != State.PREPARED) {
                failAcks(b.staged, new NatsException("Not published: the NATS connection was destroyed"));
                connection.monitor().rolledBack();
                b.staged.clear();
                b.state = State.DISCARDED;
            } else if (b.state == State.ACTIVE || b.state == State.SUSPENDED) {
                b.state = State.ENDED;
            }
        }
    }
}
