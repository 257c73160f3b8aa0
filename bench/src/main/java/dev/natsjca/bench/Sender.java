package dev.natsjca.bench;

import java.util.concurrent.locks.LockSupport;

import dev.natsjca.bench.server.Stats;
import io.nats.client.impl.Headers;

/** Sends a round's messages, each stamped with its send time, as fast as possible or paced. */
final class Sender {

    /** One publish, by whichever path the variant measures. */
    @FunctionalInterface
    interface Publish {
        void publish(Headers headers, byte[] data) throws Exception;
    }

    private Sender() {
    }

    /** @return the first message's send time (epoch nanoseconds) */
    static long send(int n, int size, int pacedPerSecond, Publish publish) throws Exception {
        byte[] data = new byte[size];
        long first = 0;
        long start = System.nanoTime();
        long interval = pacedPerSecond <= 0 ? 0 : 1_000_000_000L / pacedPerSecond;
        for (int i = 0; i < n; i++) {
            if (interval > 0) {
                long due = start + i * interval;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
            }
            long now = Stats.now();
            if (i == 0) {
                first = now;
            }
            publish.publish(new Headers().put(Samples.SENT_HEADER, Long.toString(now)), data);
        }
        return first;
    }
}
