package dev.natsjca.sample;

import java.util.concurrent.atomic.AtomicLong;

import jakarta.annotation.Resource;
import jakarta.ejb.Lock;
import jakarta.ejb.LockType;
import jakarta.ejb.Singleton;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;

/** Counts the audits this instance committed since it started, as {@code sample.status} reports them. */
@Singleton
@Lock(LockType.READ)
public class AuditCounter {

    private final AtomicLong audited = new AtomicLong();

    @Resource
    private TransactionSynchronizationRegistry transactions;

    /** Counts one audit when the caller's transaction commits; a rollback counts nothing. */
    public void countAtCommit() {
        transactions.registerInterposedSynchronization(new Synchronization() {
            @Override
            public void beforeCompletion() {
            }

            @Override
            public void afterCompletion(int status) {
                if (status == Status.STATUS_COMMITTED) {
                    audited.incrementAndGet();
                }
            }
        });
    }

    /** @return audits committed since this instance started */
    public long audited() {
        return audited.get();
    }
}
