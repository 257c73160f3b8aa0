package dev.natsjca.outbound;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import javax.transaction.xa.XAException;
import javax.transaction.xa.Xid;

import dev.natsjca.api.NatsException;
import dev.natsjca.tx.NoRecoveryXAResource;
import io.nats.client.PublishOptions;
import io.nats.client.api.PublishAck;
import io.nats.client.impl.Headers;

/**
 * Makes publishes through a managed connection follow the JTA transaction it is enlisted in.
 *
 * <p>While a transaction branch is associated ({@code start} .. {@code end}), publishes are staged
 * for that branch instead of sent. {@link #prepare} sends them, in order, and waits until the
 * server has them (core: a flush round trip; JetStream: every stream acknowledgement); if that
 * fails the branch votes rollback ({@code XA_RBCOMMFAIL}) and the transaction rolls back.
 * A one-phase commit does the same in {@link #commit}. {@link #rollback} discards the staged
 * messages. A branch that staged nothing is read-only.
 *
 * <p>Sending in prepare, not in commit, is what lets a failed send roll the transaction back, also
 * beside a non-XA datasource: the transaction manager prepares this resource before it commits the
 * datasource as its one-phase "last resource", and JPA flushes before any prepare. The window that
 * remains: messages sent in prepare are out even if something after it fails (the last resource's
 * commit, another participant's prepare, a crash); each JetStream message carries a
 * {@code Nats-Msg-Id} so consumers and the stream can recognise a repeat.
 *
 * <p>Nothing is left in doubt for recovery: after prepare the messages are sent, so
 * {@link #recover} has nothing to report.
 */
final class StagingXAResource extends NoRecoveryXAResource {

    private static final System.Logger LOG = System.getLogger(StagingXAResource.class.getName());

    /** One staged publish. JetStream ones complete their future with the ack. */
    record Staged(String subject, Headers headers, byte[] data, boolean jetStream, PublishOptions options,
                  CompletableFuture<PublishAck> ack) {
    }

    private final NatsManagedConnection connection;
    private final Map<Xid, List<Staged>> branches = new ConcurrentHashMap<>();
    private volatile Xid current;

    StagingXAResource(NatsManagedConnection connection) {
        this.connection = connection;
    }

    /** @return whether a transaction branch is associated now, so publishes must be staged */
    boolean inTransaction() {
        return current != null;
    }

    /** Stages a publish in the associated branch. */
    void stage(Staged message) {
        Xid xid = current;
        if (xid == null) {
            throw new IllegalStateException("no transaction branch associated");
        }
        branches.computeIfAbsent(xid, x -> new ArrayList<>()).add(message);
    }

    @Override
    public void start(Xid xid, int flags) throws XAException {
        if (flags == TMNOFLAGS) {
            if (branches.putIfAbsent(xid, new ArrayList<>()) != null) {
                throw new XAException(XAException.XAER_DUPID);
            }
        } else if ((flags & (TMJOIN | TMRESUME)) != 0) {
            branches.putIfAbsent(xid, new ArrayList<>());
        } else {
            throw new XAException(XAException.XAER_INVAL);
        }
        current = xid;
    }

    @Override
    public void end(Xid xid, int flags) {
        if (xid.equals(current)) {
            current = null;
        }
    }

    @Override
    public int prepare(Xid xid) throws XAException {
        List<Staged> staged = branches.get(xid);
        if (staged == null || staged.isEmpty()) {
            branches.remove(xid);
            return XA_RDONLY;
        }
        send(xid, staged);
        return XA_OK;
    }

    @Override
    public void commit(Xid xid, boolean onePhase) throws XAException {
        List<Staged> staged = branches.get(xid);
        if (onePhase && staged != null && !staged.isEmpty()) {
            send(xid, staged);
        }
        branches.remove(xid);
    }

    @Override
    public void rollback(Xid xid) {
        List<Staged> staged = branches.remove(xid);
        if (xid.equals(current)) {
            current = null;
        }
        if (staged != null) {
            for (Staged s : staged) {
                if (s.ack() != null) {
                    s.ack().completeExceptionally(new NatsException(
                            "Not published: the transaction rolled back (subject '" + s.subject() + "')"));
                }
            }
        }
    }

    /** Sends a branch's messages; on failure the branch is gone and the transaction rolls back. */
    private void send(Xid xid, List<Staged> staged) throws XAException {
        try {
            connection.sendStaged(staged);
        } catch (RuntimeException e) {
            branches.remove(xid);
            for (Staged s : staged) {
                if (s.ack() != null) {
                    s.ack().completeExceptionally(e);
                }
            }
            LOG.log(Level.WARNING, "NATS publish at commit failed; the transaction rolls back: {0}", e.getMessage());
            XAException xa = new XAException(XAException.XA_RBCOMMFAIL);
            xa.initCause(e);
            throw xa;
        }
    }

    /**
     * The pool is taking the connection back: drop the association. Staged branches stay: they
     * belong to transactions the transaction manager will still commit or roll back.
     */
    void cleanup() {
        current = null;
    }

    /** The connection is being destroyed: whatever is still staged will never be sent. */
    void discardAll() {
        current = null;
        for (Xid xid : List.copyOf(branches.keySet())) {
            rollback(xid);
        }
    }

    @Override
    public void forget(Xid xid) {
        branches.remove(xid);
    }

}
