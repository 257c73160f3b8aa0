package dev.natsjca.bench.server;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Per receiver: arrivals of the current round, each latency from its send stamp, and the JVM's
 * garbage-collection pauses meanwhile; bounded per round. Plain static state, not an enterprise bean: an EJB call per message would add container
 * cost to what is measured.
 */
public final class Stats {

    private static final Map<String, Round> ROUNDS = new ConcurrentHashMap<>();

    private Stats() {
    }

    /** @return the wall clock in epoch nanoseconds (microsecond resolution on Linux), the one all send stamps use */
    public static long now() {
        Instant i = Instant.now();
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    /** Starts a round of {@code n} messages for {@code receiver}. */
    public static void reset(String receiver, int n) {
        ROUNDS.put(receiver, new Round(n));
    }

    public static void arrived(String receiver, long sentNanos) {
        Round r = ROUNDS.get(receiver);
        if (r != null) {
            r.arrived(sentNanos);
        }
    }

    /**
     * @return this JVM's garbage-collection pauses so far: count and milliseconds (collectors that
     *         run concurrently with the application, such as G1's concurrent cycle, are left out)
     */
    public static long[] gcPauses() {
        long[] total = new long[2];
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (!gc.getName().contains("Concurrent")) {
                total[0] += Math.max(0, gc.getCollectionCount());
                total[1] += Math.max(0, gc.getCollectionTime());
            }
        }
        return total;
    }

    /** @return "count lastArrival" of the receiver's current round: cheap enough to poll */
    public static String progress(String receiver) {
        Round r = ROUNDS.get(receiver);
        return r == null ? "0 0" : r.count.get() + " " + r.last;
    }

    /**
     * @return "count lastArrival p50nanos p99nanos p999nanos gcPauses gcMillis" of the receiver's
     *         current round (the pauses since the round was reset); sorts the round's latencies, so
     *         ask once, at the end
     */
    public static String report(String receiver) {
        Round r = ROUNDS.get(receiver);
        return r == null ? "0 0 0 0 0 0 0" : r.report();
    }

    private static final class Round {
        private final long[] latencies;
        private final AtomicInteger count = new AtomicInteger();
        private final long[] gcAtStart = gcPauses();
        private volatile long last;

        Round(int n) {
            latencies = new long[n];
        }

        void arrived(long sent) {
            long t = now();
            int i = count.getAndIncrement();
            if (i < latencies.length) {
                latencies[i] = t - sent;
            }
            last = t;
        }

        String report() {
            int n = Math.min(count.get(), latencies.length);
            long[] s = Arrays.copyOf(latencies, n);
            Arrays.sort(s);
            long[] gc = gcPauses();
            return count.get() + " " + last + " " + quantile(s, 0.5) + " " + quantile(s, 0.99) + " "
                    + quantile(s, 0.999) + " " + (gc[0] - gcAtStart[0]) + " " + (gc[1] - gcAtStart[1]);
        }

        private static long quantile(long[] sorted, double q) {
            return sorted.length == 0 ? 0 : sorted[(int) Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
        }
    }
}
