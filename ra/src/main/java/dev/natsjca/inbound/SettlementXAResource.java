package dev.natsjca.inbound;

import java.util.concurrent.atomic.AtomicBoolean;

import javax.transaction.xa.Xid;

import dev.natsjca.tx.NoRecoveryXAResource;

/**
 * Joins one delivery's settlement to the transaction a transacted message-driven bean runs in:
 * commit settles the message as delivered (a JetStream ack), rollback as failed (nak with backoff,
 * or dead letter). Prepare has nothing to vote on. Handed to {@code createEndpoint}, so the
 * container enlists it next to the bean's other resources (e.g. staged outbound publishes, which
 * then leave in the same commit).
 */
final class SettlementXAResource extends NoRecoveryXAResource {

    private final Runnable onCommit;
    private final Runnable onRollback;
    private final AtomicBoolean settled = new AtomicBoolean();

    /**
     * @param onCommit settles the message as delivered
     * @param onRollback settles the message as failed
     */
    SettlementXAResource(Runnable onCommit, Runnable onRollback) {
        this.onCommit = onCommit;
        this.onRollback = onRollback;
    }

    /** @return whether the transaction completed and settled the message */
    boolean settled() {
        return settled.get();
    }

    @Override
    public void commit(Xid xid, boolean onePhase) {
        if (settled.compareAndSet(false, true)) {
            onCommit.run();
        }
    }

    @Override
    public void rollback(Xid xid) {
        if (settled.compareAndSet(false, true)) {
            onRollback.run();
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
}
