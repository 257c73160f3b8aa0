package dev.natsjca.testing;

import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;

/**
 * The part of a server's {@link TransactionSynchronizationRegistry} the adapter reads: the
 * calling thread's transaction status, set by the test (per thread, as a server's is).
 */
public final class TestTransactionRegistry implements TransactionSynchronizationRegistry {

    private final ThreadLocal<Integer> status = ThreadLocal.withInitial(() -> Status.STATUS_NO_TRANSACTION);

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

    @Override
    public void registerInterposedSynchronization(Synchronization sync) {
        throw new UnsupportedOperationException();
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
