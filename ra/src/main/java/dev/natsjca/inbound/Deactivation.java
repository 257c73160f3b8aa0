package dev.natsjca.inbound;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.nats.client.Connection;

/**
 * Stops many activations within one bound rather than one bound each: every activation stops
 * taking messages first (those stops run at once), then all deliveries in flight are waited for
 * against one deadline, then every connection drains (those drains run at once) and closes.
 */
public final class Deactivation {

    private static final System.Logger LOG = EndpointActivation.LOG;
    /** Shortest wait for each step of a deactivation whose bound is already used up. */
    private static final Duration STOP_MIN = Duration.ofMillis(100);

    private Deactivation() {
    }

    /**
     * @param activations the activations to stop
     * @param bound the longest the whole deactivation waits for deliveries in flight and drains
     */
    public static void stopAll(Collection<? extends EndpointActivation> activations, Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        List<EndpointActivation> stopping = new ArrayList<>();
        for (EndpointActivation a : activations) {
            if (a.beginStop(deadline)) {
                stopping.add(a);
            }
        }
        for (EndpointActivation a : stopping) {
            a.awaitDeliveries(deadline);
        }
        List<CompletableFuture<Void>> drains = new ArrayList<>();
        for (EndpointActivation a : stopping) {
            drains.add(a.drain(deadline));
        }
        // The drains end by closing their connection; a little past the bound, in case one was
        // started only at the deadline.
        long closeDeadline = Math.max(deadline, System.nanoTime()) + Duration.ofSeconds(2).toNanos();
        for (int i = 0; i < drains.size(); i++) {
            if (!await(drains.get(i), closeDeadline)) {
                LOG.log(Level.WARNING, "NATS endpoint on {0}: its connection did not drain in time",
                        stopping.get(i).describe());
            }
        }
    }

    /** Runs {@code task} on the jnats executor of {@code c} (which waits on nothing of ours); inline if it refuses. */
    static CompletableFuture<Void> onExecutorOf(Connection c, Runnable task) {
        try {
            return CompletableFuture.runAsync(task, c.getOptions().getExecutor());
        } catch (RejectedExecutionException e) {
            task.run();
            return CompletableFuture.completedFuture(null);
        }
    }

    /** @return {@code most}, or less when the deadline comes sooner, but never under {@link #STOP_MIN} */
    static Duration boundedBy(Duration most, long deadlineNanos) {
        long left = Math.max(STOP_MIN.toNanos(), deadlineNanos - System.nanoTime());
        return Duration.ofNanos(Math.min(most.toNanos(), left));
    }

    /** Waits for {@code f} until the deadline; @return whether it completed in time. */
    static boolean await(CompletableFuture<?> f, long deadlineNanos) {
        try {
            f.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException | ExecutionException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
