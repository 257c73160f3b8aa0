package dev.natsjca.monitoring;

import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;

import dev.natsjca.api.NatsActivationStatus;

/** {@link ActivationMXBean} over a monitor: every attribute read takes a fresh snapshot. */
final class ActivationView implements ActivationMXBean {

    private final ActivationMonitor monitor;
    private final Supplier<Duration> grace;

    ActivationView(ActivationMonitor monitor, Supplier<Duration> grace) {
        this.monitor = monitor;
        this.grace = grace;
    }

    private NatsActivationStatus now() {
        return monitor.snapshot(Instant.now(), grace.get());
    }

    private static String text(Object o) {
        return o == null ? "" : o.toString();
    }

    @Override public String getSource() { return now().source(); }
    @Override public String getState() { return now().state().name(); }
    @Override public String getStateSince() { return text(now().since()); }
    @Override public boolean isConnected() { return now().connected(); }
    @Override public String getConnectedSince() { return text(now().connectedSince()); }
    @Override public String getServer() { return text(now().server()); }
    @Override public String getConsumerPresent() { return text(now().consumerPresent()); }
    @Override public String getLastHeartbeat() { return text(now().lastHeartbeat()); }
    @Override public int getInFlight() { return now().inFlight(); }
    @Override public int getHandOffDepth() { return now().handOffDepth(); }
    @Override public String getLastDelivery() { return text(now().lastDelivery()); }
    @Override public long getDelivered() { return now().delivered(); }
    @Override public long getSucceeded() { return now().succeeded(); }
    @Override public long getFailed() { return now().failed(); }
    @Override public long getRedelivered() { return now().redelivered(); }
    @Override public long getDeadLettered() { return now().deadLettered(); }
    @Override public long getTerminated() { return now().terminated(); }
    @Override public long getFiltered() { return now().filtered(); }
    @Override public long getTimedOut() { return now().timedOut(); }
    @Override public long getDropped() { return now().dropped(); }
    @Override public long getNumPending() { return now().numPending(); }
    @Override public long getNumAckPending() { return now().numAckPending(); }
    @Override public long getConsumerRecreations() { return now().consumerRecreations(); }
    @Override public long getProcessingCount() { return now().processingTime().count(); }
    @Override public double getProcessingMeanMillis() { return now().processingTime().meanMillis(); }
    @Override public double getProcessingP50Millis() { return now().processingTime().p50Millis(); }
    @Override public double getProcessingP90Millis() { return now().processingTime().p90Millis(); }
    @Override public double getProcessingP99Millis() { return now().processingTime().p99Millis(); }
    @Override public double getProcessingMaxMillis() { return now().processingTime().maxMillis(); }
    @Override public boolean isReady() { return now().ready(); }
    @Override public boolean isLive() { return now().live(); }
    @Override public String getProblem() { return text(now().problem()); }
}
