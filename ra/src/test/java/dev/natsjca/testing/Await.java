package dev.natsjca.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Polls for a condition with a deadline: the tests' replacement for sleeping. */
public final class Await {

    private static final long POLL_MILLIS = 20;

    private Await() {
    }

    /**
     * @throws AssertionError with {@code what} when the condition is still false at the deadline
     */
    public static void until(Duration timeout, String what, BooleanSupplier condition) {
        until(timeout, () -> what, condition);
    }

    /** A condition read from the server: it may fail, which counts as not yet. */
    @FunctionalInterface
    public interface ServerCondition {
        boolean holds() throws Exception;
    }

    /** {@link #until(Duration, String, BooleanSupplier)} of a condition whose read may fail (then: not yet). */
    public static void untilServer(Duration timeout, String what, ServerCondition condition) {
        until(timeout, () -> what, () -> {
            try {
                return condition.holds();
            } catch (Exception e) {
                return false;
            }
        });
    }

    /**
     * @param what describes the expectation, evaluated only on failure (may report current state)
     */
    public static void until(Duration timeout, Supplier<String> what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Not within " + timeout + ": " + what.get());
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("Interrupted waiting for: " + what.get(), e);
            }
        }
    }
}
