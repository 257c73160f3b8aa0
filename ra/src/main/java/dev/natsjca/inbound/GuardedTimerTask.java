package dev.natsjca.inbound;

import java.lang.System.Logger.Level;
import java.util.TimerTask;

/**
 * A task on the adapter's timer that never lets an exception escape: a {@code java.util.Timer}
 * whose task throws dies, and with it every activation's retries, watches and checks.
 */
abstract class GuardedTimerTask extends TimerTask {

    private final String owner;

    /** @param owner names the activation in the log should the task fail */
    GuardedTimerTask(String owner) {
        this.owner = owner;
    }

    /** Does the task's work; anything it throws is logged and goes no further. */
    protected abstract void runGuarded();

    @Override
    public final void run() {
        try {
            runGuarded();
        } catch (RuntimeException | LinkageError | AssertionError | StackOverflowError e) {
            // Any of these in one task must not end the timer every activation shares; an
            // OutOfMemoryError or another VirtualMachineError still does: nothing sane is left.
            EndpointActivation.LOG.log(Level.ERROR, owner + ": a timer task failed", e);
        }
    }

    /** @return a guarded timer task that runs {@code task} */
    static GuardedTimerTask of(String owner, Runnable task) {
        return new GuardedTimerTask(owner) {
            @Override
            protected void runGuarded() {
                task.run();
            }
        };
    }
}
