package dev.natsjca.inbound;

import java.lang.System.Logger.Level;
import java.util.concurrent.atomic.AtomicBoolean;

import javax.transaction.xa.XAException;
import javax.transaction.xa.Xid;

import dev.natsjca.tx.AfterCompletion;
import dev.natsjca.tx.NoRecoveryXAResource;
import jakarta.transaction.Status;
import jakarta.transaction.TransactionSynchronizationRegistry;

/**
 * Joins one delivery's settlement to the transaction a transacted message-driven bean runs in:
 * a committed transaction settles the message as delivered (a JetStream ack), rollback as failed
 * (nak with backoff, or dead letter). Prepare votes no only for a delivery that ran past its
 * {@code maxProcessingTime} ({@link #timedOut}). Handed to {@code createEndpoint}, so the
 * container enlists it next to the bean's other resources (e.g. staged outbound publishes, which
 * then leave in the same commit).
 *
 * <p>The ack waits for the whole transaction: in a server, commit only notes the outcome, and the
 * message is acked after every resource has committed (an interposed synchronization's
 * {@code afterCompletion}). Were it acked at this resource's commit, a crash (or a failure) before
 * a later resource's commit — the bean's staged messages committed as an atomic batch, say —
 * would lose the message: consumed, its effects never stored. Acked last, the crash means a
 * redelivery instead, whose repeated effects the stream drops by their {@code Nats-Msg-Id}. A
 * transaction that does not end committed (rolled back, or its outcome unknown) settles the
 * message as failed: redelivered. Without a registry (outside a server) commit acks at once.
 *
 * <p>Rollback, and commit after a prepare, never throw: the transaction's outcome is decided by
 * then (prepare and a one-phase commit refuse only a delivery that timed out), and a settlement
 * that fails (the connection dropped, say) only means JetStream redelivers the message
 * after {@code ackWait}: at-least-once. Such a failure is logged.
 */
final class SettlementXAResource extends NoRecoveryXAResource {

    private static final System.Logger LOG = System.getLogger(SettlementXAResource.class.getName());

    private final String owner;
    private final Runnable onCommit;
    private final java.util.function.Consumer<String> onRollback;
    private final AtomicBoolean settled = new AtomicBoolean();
    private final TransactionSynchronizationRegistry transactions;
    private final Runnable ackAtCommit;
    /** The ack waits for the transaction's afterCompletion (registered when the branch started). */
    private volatile boolean afterCompletion;

    /**
     * @param owner names the activation in logs
     * @param transactions the server's registry, or {@code null}
     * @param onCommit settles the message as delivered
     * @param onRollback settles the message as failed, told why
     * @param ackAtCommit told when the ack cannot wait for the whole transaction (no registry to
     *        wait with, or it refused): the activation warns, once
     */
    SettlementXAResource(String owner, TransactionSynchronizationRegistry transactions, Runnable onCommit,
                         java.util.function.Consumer<String> onRollback, Runnable ackAtCommit) {
        this.owner = owner;
        this.transactions = transactions;
        this.ackAtCommit = ackAtCommit;
        this.onCommit = onCommit;
        this.onRollback = onRollback;
    }

    /**
     * Settles the delivery with {@code fallback} unless the transaction did already: for a
     * transaction whose outcome never reached this resource.
     */
    void settleInstead(Runnable fallback) {
        if (!settleOnce(fallback, "the end of the delivery")) {
            // The transaction's own settlement won, possibly on another thread (a timeout's
            // rollback): what follows the delivery reads what it decided, so it waits for it.
            try {
                if (!done.await(SETTLEMENT_WAIT_SECONDS, java.util.concurrent.TimeUnit.SECONDS)) {
                    LOG.log(Level.WARNING, "NATS endpoint on {0}: the transaction''s settlement of a delivery has not "
                            + "ended after {1} s; going on", owner, SETTLEMENT_WAIT_SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** How long the end of a delivery waits for a settlement running on another thread. */
    private static final long SETTLEMENT_WAIT_SECONDS = 30;
    private final java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);

    /**
     * The delivery ran past its {@code maxProcessingTime}: unless its transaction has already
     * voted (prepare, or a one-phase commit, came first), it may not commit any more — prepare or
     * a one-phase commit refuses it — so the bean's other work rolls back with it instead of being
     * stored for a message that is redelivered. One decides, never both: after a vote the
     * transaction settles the delivery, however long its commit takes.
     *
     * @return whether the time-out won: the caller settles the delivery as failed
     */
    boolean timedOut() {
        return phase.compareAndSet(RUNNING, TIMED_OUT);
    }

    private static final int RUNNING = 0;
    private static final int VOTED = 1;
    private static final int TIMED_OUT = 2;
    private final java.util.concurrent.atomic.AtomicInteger phase = new java.util.concurrent.atomic.AtomicInteger();

    /** @throws XAException {@code XA_RBTIMEOUT} when the delivery timed out before this vote */
    private void vote() throws XAException {
        if (!phase.compareAndSet(RUNNING, VOTED) && phase.get() == TIMED_OUT) {
            XAException e = new XAException("NATS endpoint on " + owner + ": the delivery ran longer than its "
                    + "maxProcessingTime and was settled as failed; its transaction may not commit");
            e.errorCode = XAException.XA_RBTIMEOUT;
            throw e;
        }
    }

    @Override
    public void commit(Xid xid, boolean onePhase) throws XAException {
        if (onePhase) {
            vote();
        }
        if (!afterCompletion) {
            settleOnce(onCommit, "commit");
        }
    }

    @Override
    public void rollback(Xid xid) {
        settleOnce(() -> onRollback.accept("the transaction rolled back"), "rollback");
    }

    /** @return whether this call settled it */
    private boolean settleOnce(Runnable settlement, String phase) {
        if (!settled.compareAndSet(false, true)) {
            return false;
        }
        try {
            settlement.run();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "NATS endpoint on " + owner + ": settling the delivery at " + phase
                    + " failed; JetStream redelivers the message after ackWait", e);
        } finally {
            done.countDown();
        }
        return true;
    }

    @Override
    public int prepare(Xid xid) throws XAException {
        vote();
        return XA_OK;
    }

    @Override
    public void start(Xid xid, int flags) {
        if (afterCompletion) {
            return;
        }
        if (transactions == null) {
            ackAtCommit.run();
            return;
        }
        try {
            AfterCompletion.register(transactions, status -> {
                if (status == Status.STATUS_COMMITTED) {
                    settleOnce(onCommit, "the end of the committed transaction");
                } else {
                    settleOnce(() -> onRollback.accept("the transaction ended " + (status == Status.STATUS_ROLLEDBACK
                            ? "rolled back" : "with status " + status + ", not known to be committed (a heuristic "
                            + "outcome; its effects may have been stored)")),
                            "the end of the transaction (status " + status + ")");
                }
            });
            afterCompletion = true;
        } catch (RuntimeException e) {
            // No transaction on this thread to wait for: commit acks at once.
            LOG.log(Level.DEBUG, "NATS endpoint on {0}: the delivery is acked at its commit ({1})", owner, e.toString());
            ackAtCommit.run();
        }
    }

    @Override
    public void end(Xid xid, int flags) {
    }

    @Override
    public void forget(Xid xid) {
    }
}
