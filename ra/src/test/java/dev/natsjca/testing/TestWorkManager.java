package dev.natsjca.testing;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.resource.spi.work.ExecutionContext;
import jakarta.resource.spi.work.Work;
import jakarta.resource.spi.work.WorkEvent;
import jakarta.resource.spi.work.WorkException;
import jakarta.resource.spi.work.WorkListener;
import jakarta.resource.spi.work.WorkManager;
import jakarta.resource.spi.work.WorkRejectedException;

/**
 * A bounded work manager for contract tests: a fixed pool of threads named {@code test-wm-N}
 * and a bounded queue; past that, work is rejected as a real server's would be.
 */
public final class TestWorkManager implements WorkManager {

    public static final String THREAD_PREFIX = "test-wm-";

    private final ThreadPoolExecutor executor;
    private final AtomicInteger rejectNext = new AtomicInteger();
    private final AtomicInteger rejected = new AtomicInteger();
    private final AtomicInteger rejectLater = new AtomicInteger();

    public TestWorkManager(int threads, int queue) {
        AtomicInteger n = new AtomicInteger();
        executor = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(queue),
                r -> {
                    Thread t = new Thread(r, THREAD_PREFIX + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
    }

    @Override
    public void doWork(Work work) throws WorkException {
        work.run();
    }

    @Override
    public void doWork(Work work, long startTimeout, ExecutionContext ctx, WorkListener listener) throws WorkException {
        work.run();
    }

    @Override
    public long startWork(Work work) throws WorkException {
        scheduleWork(work, INDEFINITE, null, null);
        return 0;
    }

    @Override
    public long startWork(Work work, long startTimeout, ExecutionContext ctx, WorkListener listener)
            throws WorkException {
        scheduleWork(work, startTimeout, ctx, listener);
        return 0;
    }

    @Override
    public void scheduleWork(Work work) throws WorkException {
        scheduleWork(work, INDEFINITE, null, null);
    }

    /** The next {@code n} scheduleWork calls are rejected, as a saturated server's would be. */
    public void rejectNext(int n) {
        rejectNext.set(n);
    }

    /**
     * The next {@code n} scheduleWork calls are accepted, and then rejected through their
     * listener without running, as a server's whose start timeout passed (without a listener
     * the work is lost, as it would be there).
     */
    public void rejectLater(int n) {
        rejectLater.set(n);
    }

    /** @return how many scheduleWork calls were rejected so far */
    public int rejected() {
        return rejected.get();
    }

    @Override
    public void scheduleWork(Work work, long startTimeout, ExecutionContext ctx, WorkListener listener)
            throws WorkException {
        if (rejectNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            rejected.incrementAndGet();
            throw new WorkRejectedException("test: the work manager rejects this work");
        }
        if (rejectLater.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            rejected.incrementAndGet();
            if (listener != null) {
                listener.workAccepted(new WorkEvent(this, WorkEvent.WORK_ACCEPTED, work, null));
                Thread t = new Thread(() -> listener.workRejected(new WorkEvent(this, WorkEvent.WORK_REJECTED, work,
                        new WorkRejectedException("test: the work could not start in time"))), THREAD_PREFIX + "rejecter");
                t.setDaemon(true);
                t.start();
            }
            return;
        }
        try {
            executor.execute(() -> {
                if (listener != null) {
                    listener.workStarted(new WorkEvent(this, WorkEvent.WORK_STARTED, work, null));
                }
                try {
                    work.run();
                } finally {
                    if (listener != null) {
                        listener.workCompleted(new WorkEvent(this, WorkEvent.WORK_COMPLETED, work, null));
                    }
                }
            });
        } catch (RejectedExecutionException e) {
            rejected.incrementAndGet();
            throw new WorkRejectedException("test work manager full", e);
        }
        if (listener != null) {
            listener.workAccepted(new WorkEvent(this, WorkEvent.WORK_ACCEPTED, work, null));
        }
    }

    /** @return how many of its threads run work now */
    public int busyThreads() {
        return executor.getActiveCount();
    }

    /** @return how many of its threads there are */
    public int threads() {
        return executor.getMaximumPoolSize();
    }

    /** Stops the threads, waiting a bounded time. */
    public void shutdown() throws InterruptedException {
        executor.shutdownNow();
        executor.awaitTermination(10, TimeUnit.SECONDS);
    }
}
