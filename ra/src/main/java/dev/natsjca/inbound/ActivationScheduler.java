package dev.natsjca.inbound;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Timer;
import java.util.TimerTask;
import java.util.function.BooleanSupplier;

import jakarta.resource.spi.work.Work;
import jakarta.resource.spi.work.WorkAdapter;
import jakarta.resource.spi.work.WorkEvent;
import jakarta.resource.spi.work.WorkException;
import jakarta.resource.spi.work.WorkManager;

/**
 * An activation's background work, on the adapter's threads: the adapter's timer only schedules
 * (it never blocks on the network), the work manager runs. Tasks of an activation that stopped
 * do not run.
 */
public final class ActivationScheduler {

    private static final System.Logger LOG = EndpointActivation.LOG;

    private final Timer timer;
    private final WorkManager workManager;
    private final String owner;
    private final BooleanSupplier running;

    /**
     * @param owner names the activation in logs
     * @param running whether the activation still runs
     */
    ActivationScheduler(Timer timer, WorkManager workManager, String owner, BooleanSupplier running) {
        this.timer = timer;
        this.workManager = workManager;
        this.owner = owner;
        this.running = running;
    }

    /**
     * Runs {@code task} on a work-manager thread.
     *
     * @param rejected runs instead, once, when the work manager refuses the work: at once on the
     *        calling thread, or later on the thread that tells (a work manager may accept work
     *        and reject it afterwards, when it could not start it)
     */
    public void runAsWork(Runnable task, Runnable rejected) {
        java.util.concurrent.atomic.AtomicBoolean refused = new java.util.concurrent.atomic.AtomicBoolean();
        Runnable refusedOnce = () -> {
            if (refused.compareAndSet(false, true)) {
                rejected.run();
            }
        };
        try {
            workManager.scheduleWork(new Work() {
                @Override
                public void run() {
                    try {
                        task.run();
                    } catch (RuntimeException e) {
                        LOG.log(Level.ERROR, owner + ": background task failed", e);
                    }
                }

                @Override
                public void release() {
                }
            }, WorkManager.INDEFINITE, null, new WorkAdapter() {
                @Override
                public void workRejected(WorkEvent e) {
                    LOG.log(Level.DEBUG, "{0}: the work manager rejected a background task it had accepted ({1})",
                            owner, String.valueOf(e.getException()));
                    refusedOnce.run();
                }
            });
        } catch (WorkException | RuntimeException e) {
            LOG.log(Level.DEBUG, "{0}: the work manager refused a background task ({1})", owner, e.toString());
            refusedOnce.run();
        }
    }

    /**
     * Schedules {@code task} to run on a work-manager thread after {@code delay}.
     *
     * @param notRun runs instead, on the timer thread, when the activation stopped by then or the
     *        work manager refused the work
     */
    public void schedule(Duration delay, Runnable task, Runnable notRun) {
        timer.schedule(GuardedTimerTask.of(owner, () -> {
            if (running.getAsBoolean()) {
                runAsWork(task, notRun);
            } else {
                notRun.run();
            }
        }), Math.max(0, delay.toMillis()));
    }

    /**
     * Runs {@code task} on the adapter's timer thread every {@code period} while the activation
     * runs; it must be quick and never block.
     */
    public void repeat(Duration period, Runnable task) {
        repeatWhile(period, () -> {
            if (!running.getAsBoolean()) {
                return false;
            }
            task.run();
            return true;
        });
    }

    /**
     * Runs {@code task} on the adapter's timer thread every {@code period} until it returns
     * false, whether the activation runs or not (for what must go on while deliveries drain);
     * it must be quick and never block.
     */
    public void repeatWhile(Duration period, BooleanSupplier task) {
        timer.schedule(new GuardedTimerTask(owner) {
            @Override
            protected void runGuarded() {
                if (!task.getAsBoolean()) {
                    cancel();
                }
            }
        }, period.toMillis(), period.toMillis());
    }

    /** Runs a timer task (that only hands work over) after {@code delay}. */
    void onTimer(TimerTask task, Duration delay) {
        timer.schedule(task, Math.max(0, delay.toMillis()));
    }
}
