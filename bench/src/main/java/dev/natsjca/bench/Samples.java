package dev.natsjca.bench;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

import dev.natsjca.bench.server.Stats;

/**
 * What the receiving side of one round saw: how many messages, when the first was sent and the
 * last arrived, and each message's latency from its send time (header {@value #SENT_HEADER},
 * epoch nanoseconds by the wall clock, which sender and receiver share on one machine), and the
 * receiving JVM's garbage-collection pauses meanwhile. Bounded:
 * an array sized for the round; written by several delivery threads at once.
 */
final class Samples {

    static final String SENT_HEADER = "Bench-Sent";

    private final long[] latencies;
    private final AtomicInteger count = new AtomicInteger();
    private final long[] gcAtStart = Stats.gcPauses();
    private volatile long lastArrival;
    /** p50, p99 and p99.9 and GC pauses as computed elsewhere (by the server's receiver), or {@code null}. */
    private long[] reportedQuantiles;
    private long[] reportedGc;

    /**
     * @return samples as an in-server receiver reported them ({@link Stats#report}): count, last
     *         arrival, p50, p99 and p99.9 in nanoseconds, GC pause count and milliseconds
     */
    static Samples reported(String report) {
        String[] r = report.split(" ");
        Samples s = new Samples(0);
        s.count.set(Integer.parseInt(r[0]));
        s.lastArrival = Long.parseLong(r[1]);
        s.reportedQuantiles = new long[] {Long.parseLong(r[2]), Long.parseLong(r[3]), Long.parseLong(r[4])};
        s.reportedGc = new long[] {Long.parseLong(r[5]), Long.parseLong(r[6])};
        return s;
    }

    /**
     * @return the samples of a round that only sends: all {@code n} count as arrived when the
     *         sender finished, at {@code finished}; no latency
     */
    static Samples sentOnly(int n, long finished) {
        Samples s = new Samples(0);
        s.count.set(n);
        s.lastArrival = finished;
        s.reportedQuantiles = new long[0];
        return s;
    }

    Samples(int expected) {
        latencies = new long[expected];
    }

    /** Records one arrival of a message stamped {@code sentNanos}. */
    void arrived(long sentNanos) {
        long t = Stats.now();
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

    /** @return the {@code q}-quantile latency in microseconds; 0.5, 0.99 or 0.999 when reported */
    double quantileMicros(double q) {
        if (reportedQuantiles != null) {
            return reportedQuantiles.length == 0 ? Double.NaN
                    : reportedQuantiles[q <= 0.5 ? 0 : q <= 0.99 ? 1 : 2] / 1000.0;
        }
        int n = Math.min(count.get(), latencies.length);
        if (n == 0) {
            return Double.NaN;
        }
        long[] sorted = Arrays.copyOf(latencies, n);
        Arrays.sort(sorted);
        return sorted[(int) Math.min(n - 1, Math.floor(q * n))] / 1000.0;
    }

    /**
     * @return the receiving JVM's garbage-collection pauses since the round began (count,
     *         milliseconds); for a local receiver, up to now
     */
    long[] gcPauses() {
        if (reportedGc != null) {
            return reportedGc;
        }
        long[] now = Stats.gcPauses();
        return new long[] {now[0] - gcAtStart[0], now[1] - gcAtStart[1]};
    }
}
