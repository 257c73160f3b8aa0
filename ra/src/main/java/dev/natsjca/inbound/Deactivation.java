package dev.natsjca.inbound;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Stops many activations within one bound rather than one bound each: every activation stops
 * taking messages first (those stops run at once), then all deliveries in flight are waited for
 * against one deadline, then every connection drains (those drains run at once) and closes.
 */
public final class Deactivation {

    private static final System.Logger LOG = EndpointActivation.LOG;

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
            if (!EndpointActivation.await(drains.get(i), closeDeadline)) {
                LOG.log(Level.WARNING, "NATS endpoint on {0}: its connection did not drain in time",
                        stopping.get(i).describe());
            }
        }
    }
}
