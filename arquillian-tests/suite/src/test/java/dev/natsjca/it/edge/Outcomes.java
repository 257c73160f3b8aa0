package dev.natsjca.it.edge;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * What the beans saw, for the servlet to report (a bean whose transaction rolls back cannot return
 * it), and the gate a bean waits at during its commit. Static: one test application, one class loader.
 */
public final class Outcomes {

    private static final Map<String, String> SEEN = new ConcurrentHashMap<>();
    private static final Map<String, CountDownLatch> GATES = new ConcurrentHashMap<>();

    private Outcomes() {
    }

    public static void put(String run, String outcome) {
        SEEN.put(run, outcome);
    }

    public static String get(String run) {
        return SEEN.getOrDefault(run, "none");
    }

    /** Waits (at most a minute) until {@link #open} is called for {@code run}. */
    public static void gate(String run) {
        try {
            GATES.computeIfAbsent(run, r -> new CountDownLatch(1)).await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public static void open(String run) {
        GATES.computeIfAbsent(run, r -> new CountDownLatch(1)).countDown();
    }
}
