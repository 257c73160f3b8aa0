package dev.natsjca.tx;

import java.util.function.IntConsumer;

import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;

/** Being told a transaction's outcome once it is complete: an interposed synchronization. */
public final class AfterCompletion {

    private AfterCompletion() {
    }

    /**
     * Registers {@code outcome} to be told the calling thread's transaction's status (a
     * {@link jakarta.transaction.Status} constant) after every resource has completed.
     *
     * @throws RuntimeException when the registry refuses (no active transaction on this thread)
     */
    public static void register(TransactionSynchronizationRegistry registry, IntConsumer outcome) {
        registry.registerInterposedSynchronization(new Synchronization() {
            @Override
            public void beforeCompletion() {
            }

            @Override
            public void afterCompletion(int status) {
                outcome.accept(status);
            }
        });
    }
}
