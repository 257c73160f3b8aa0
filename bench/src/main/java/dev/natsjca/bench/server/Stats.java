package dev.natsjca.bench.server;

import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Per receiver: arrivals of the current round, each latency from its send stamp; bounded per
 * round. Plain static state, not an enterprise bean: an EJB call per message would add container
 * cost to what is measured.
 */
public final class Stats {

    private static final Map<String, Round> ROUNDS = new ConcurrentHashMap<>();

    private Stats() {
    }

    static long now() {
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

    /** @return "count lastArrival p50nanos p99nanos" of the receiver's current round */
    public static String report(String receiver) {
        Round r = ROUNDS.get(receiver);
        return r == null ? "0 0 0 0" : r.report();
    }

    private static final class Round {
        private final long[] latencies;
        private final AtomicInteger count = new AtomicInteger();
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
            long p50 = n == 0 ? 0 : s[Math.min(n - 1, n / 2)];
            long p99 = n == 0 ? 0 : s[Math.min(n - 1, (int) (n * 0.99))];
            return count.get() + " " + last + " " + p50 + " " + p99;
        }
    }
}
