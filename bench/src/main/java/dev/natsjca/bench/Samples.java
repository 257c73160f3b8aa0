package dev.natsjca.bench;

import java.time.Instant;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the receiving side of one round saw: how many messages, when the first was sent and the
 * last arrived, and each message's latency from its send time (header {@value #SENT_HEADER},
 * epoch nanoseconds by the wall clock, which sender and receiver share on one machine). Bounded:
 * an array sized for the round; written by several delivery threads at once.
 */
final class Samples {

    static final String SENT_HEADER = "Bench-Sent";

    private final long[] latencies;
    private final AtomicInteger count = new AtomicInteger();
    private volatile long lastArrival;
    /** Quantiles computed elsewhere (by the server's receiver), or {@code null}. */
    private long[] reportedQuantiles;

    /** @return samples as an in-server receiver reported them: count, last arrival, p50 and p99 in nanoseconds */
    static Samples reported(int count, long lastArrival, long p50Nanos, long p99Nanos) {
        Samples s = new Samples(0);
        s.count.set(count);
        s.lastArrival = lastArrival;
        s.reportedQuantiles = new long[] {p50Nanos, p99Nanos};
        return s;
    }

    Samples(int expected) {
        latencies = new long[expected];
    }

    /** @return the wall clock in epoch nanoseconds (microsecond resolution on Linux) */
    static long now() {
        Instant i = Instant.now();
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    /** Records one arrival of a message stamped {@code sentNanos}. */
    void arrived(long sentNanos) {
        long t = now();
        int i = count.getAndIncrement();
        if (i < latencies.length) {
            latencies[i] = t - sentNanos;
        }
        lastArrival = t;
    }

    /** Records one arrival of a message whose stamp is the header value. */
    void arrived(String sentHeader) {
        arrived(Long.parseLong(sentHeader));
    }

    int count() {
        return count.get();
    }

    long lastArrival() {
        return lastArrival;
    }

    /** @return the {@code q}-quantile latency in microseconds */
    double quantileMicros(double q) {
        if (reportedQuantiles != null) {
            return (q <= 0.5 ? reportedQuantiles[0] : reportedQuantiles[1]) / 1000.0;
        }
        int n = Math.min(count.get(), latencies.length);
        if (n == 0) {
            return Double.NaN;
        }
        long[] sorted = Arrays.copyOf(latencies, n);
        Arrays.sort(sorted);
        return sorted[(int) Math.min(n - 1, Math.floor(q * n))] / 1000.0;
    }
}
