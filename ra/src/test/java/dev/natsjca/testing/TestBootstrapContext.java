package dev.natsjca.testing;

import java.util.Timer;

import jakarta.resource.spi.BootstrapContext;
import jakarta.resource.spi.XATerminator;
import jakarta.resource.spi.work.WorkContext;
import jakarta.resource.spi.work.WorkManager;
import jakarta.transaction.TransactionSynchronizationRegistry;

/** The smallest {@link BootstrapContext} an adapter can start with outside a server. */
public final class TestBootstrapContext implements BootstrapContext {

    private final TestWorkManager workManager;
    private final TransactionSynchronizationRegistry transactions;

    public TestBootstrapContext(TestWorkManager workManager) {
        this(workManager, null);
    }

    /** @param transactions what {@link #getTransactionSynchronizationRegistry()} returns (null: none) */
    public TestBootstrapContext(TestWorkManager workManager, TransactionSynchronizationRegistry transactions) {
        this.workManager = workManager;
        this.transactions = transactions;
    }

    @Override
    public WorkManager getWorkManager() {
        return workManager;
    }

    @Override
    public XATerminator getXATerminator() {
        return null;
    }

    @Override
    public Timer createTimer() {
        return new Timer(true);
    }

    @Override
    public boolean isContextSupported(Class<? extends WorkContext> workContextClass) {
        return false;
    }

    @Override
    public TransactionSynchronizationRegistry getTransactionSynchronizationRegistry() {
        return transactions;
    }
}
