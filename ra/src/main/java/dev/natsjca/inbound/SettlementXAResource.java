package dev.natsjca.inbound;

import java.lang.System.Logger.Level;
import java.util.concurrent.atomic.AtomicBoolean;

import javax.transaction.xa.Xid;

import dev.natsjca.tx.NoRecoveryXAResource;

/**
 * Joins one delivery's settlement to the transaction a transacted message-driven bean runs in:
 * commit settles the message as delivered (a JetStream ack), rollback as failed (nak with backoff,
 * or dead letter). Prepare has nothing to vote on. Handed to {@code createEndpoint}, so the
 * container enlists it next to the bean's other resources (e.g. staged outbound publishes, which
 * then leave in the same commit).
 *
 * <p>Commit and rollback never throw: the transaction's outcome is decided by then, and a
 * settlement that fails (the connection dropped, say) only means JetStream redelivers the message
 * after {@code ackWait}: at-least-once. Such a failure is logged.
 */
final class SettlementXAResource extends NoRecoveryXAResource {

    private static final System.Logger LOG = System.getLogger(SettlementXAResource.class.getName());

    private final String owner;
    private final Runnable onCommit;
    private final Runnable onRollback;
    private final AtomicBoolean settled = new AtomicBoolean();

    /**
     * @param owner names the activation in logs
     * @param onCommit settles the message as delivered
     * @param onRollback settles the message as failed
     */
    SettlementXAResource(String owner, Runnable onCommit, Runnable onRollback) {
        this.owner = owner;
        this.onCommit = onCommit;
        this.onRollback = onRollback;
    }

    /**
     * Settles the delivery with {@code fallback} unless the transaction did already: for a
     * transaction whose outcome never reached this resource.
     */
    void settleInstead(Runnable fallback) {
        settleOnce(fallback, "the end of the delivery");
    }

    @Override
    public void commit(Xid xid, boolean onePhase) {
        settleOnce(onCommit, "commit");
    }

    @Override
    public void rollback(Xid xid) {
        settleOnce(onRollback, "rollback");
    }

    private void settleOnce(Runnable settlement, String phase) {
        if (!settled.compareAndSet(false, true)) {
            return;
        }
        try {
            settlement.run();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "NATS endpoint on " + owner + ": settling the delivery at " + phase
                    + " failed; JetStream redelivers the message after ackWait", e);
        }
    }

    @Override
    public int prepare(Xid xid) {
        return XA_OK;
    }

    @Override
    public void start(Xid xid, int flags) {
    }

    @Override
    public void end(Xid xid, int flags) {
    }

    @Override
    public void forget(Xid xid) {
    }
}
