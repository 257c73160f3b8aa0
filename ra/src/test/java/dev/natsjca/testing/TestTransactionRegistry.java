package dev.natsjca.testing;

import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;

/**
 * The part of a server's {@link TransactionSynchronizationRegistry} the adapter uses: the
 * calling thread's transaction status, set by the test (per thread, as a server's is), and
 * interposed synchronizations, told the outcome when the test {@link #complete}s the transaction.
 */
public final class TestTransactionRegistry implements TransactionSynchronizationRegistry {

    private final ThreadLocal<Integer> status = ThreadLocal.withInitial(() -> Status.STATUS_NO_TRANSACTION);
    private final java.util.List<Synchronization> synchronizations = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** @param status one of {@link Status}'s constants, for the calling thread */
    public void status(int status) {
        this.status.set(status);
    }

    @Override
    public int getTransactionStatus() {
        return status.get();
    }

    @Override
    public Object getTransactionKey() {
        return status.get() == Status.STATUS_NO_TRANSACTION ? null : Thread.currentThread();
    }

    @Override
    public void putResource(Object key, Object value) {
        throw new UnsupportedOperationException();
    }

    @Override
    public Object getResource(Object key) {
        throw new UnsupportedOperationException();
    }

    /** Registered while the calling thread's transaction is active, as a server allows. */
    @Override
    public void registerInterposedSynchronization(Synchronization sync) {
        if (status.get() != Status.STATUS_ACTIVE) {
            throw new IllegalStateException("no active transaction");
        }
        synchronizations.add(sync);
    }

    /** The transaction completes with {@code status}: every registered synchronization hears it, once. */
    public void complete(int status) {
        for (Synchronization s : synchronizations) {
            s.afterCompletion(status);
        }
        synchronizations.clear();
        this.status.set(Status.STATUS_NO_TRANSACTION);
    }

    @Override
    public void setRollbackOnly() {
        status.set(Status.STATUS_MARKED_ROLLBACK);
    }

    @Override
    public boolean getRollbackOnly() {
        return status.get() == Status.STATUS_MARKED_ROLLBACK;
    }
}
