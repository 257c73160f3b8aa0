package dev.natsjca.it.atomic;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What happened to one run's transaction, noted in the server (the acknowledgements its
 * publishes completed with, the calls the test's own XA resource received), for the servlet to
 * report: a bean whose transaction rolls back cannot return it. Static: one test application,
 * one class loader.
 */
public final class Notes {

    private static final Map<String, List<String>> NOTES = new ConcurrentHashMap<>();

    private Notes() {
    }

    public static void add(String run, String note) {
        NOTES.computeIfAbsent(run, r -> new CopyOnWriteArrayList<>()).add(note);
    }

    /** @return the run's notes, in the order they were made, separated by {@code "; "} */
    public static String get(String run) {
        return String.join("; ", NOTES.getOrDefault(run, List.of()));
    }
}
