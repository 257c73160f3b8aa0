package dev.natsjca.it.tx;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/** How the test servlets report a failed call: every exception of the cause chain (and suppressed ones) with its message. */
public final class CauseChain {

    private CauseChain() {
    }

    /** @return {@code " | <class>: <message>"} for each exception reachable from {@code failure}, once */
    public static String of(Throwable failure) {
        StringBuilder sb = new StringBuilder();
        describe(failure, sb, Collections.newSetFromMap(new IdentityHashMap<>()));
        return sb.toString();
    }

    private static void describe(Throwable t, StringBuilder sb, Set<Throwable> seen) {
        if (t == null || !seen.add(t)) {
            return;
        }
        sb.append(" | ").append(t.getClass().getName()).append(": ").append(t.getMessage());
        for (Throwable s : t.getSuppressed()) {
            describe(s, sb, seen);
        }
        describe(t.getCause(), sb, seen);
    }
}
