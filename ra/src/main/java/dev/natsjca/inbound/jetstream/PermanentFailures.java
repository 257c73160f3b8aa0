package dev.natsjca.inbound.jetstream;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

import dev.natsjca.api.NatsPermanentFailure;

/**
 * Tells a failure retrying cannot fix: an exception in the cause chain whose type (or a
 * supertype) carries {@link NatsPermanentFailure} or is named in {@code permanentFailures}. Types
 * are compared by name, so naming one needs no class loading and a name that is never thrown
 * costs nothing.
 */
final class PermanentFailures {

    /** Cause chains longer than this are not followed further (a chain is finite, but may be long). */
    private static final int MAX_DEPTH = 64;

    private final Set<String> typeNames;

    /** @param typeNames the fully qualified exception type names the activation lists */
    PermanentFailures(List<String> typeNames) {
        this.typeNames = Set.copyOf(typeNames);
    }

    /**
     * By the annotation's name, not its class: an application that packs its own copy of the API
     * has an annotation of the same name from another class loader.
     */
    private static boolean annotated(Class<?> type) {
        for (java.lang.annotation.Annotation a : type.getDeclaredAnnotations()) {
            if (a.annotationType().getName().equals(ANNOTATION)) {
                return true;
            }
        }
        return false;
    }

    private static final String ANNOTATION = NatsPermanentFailure.class.getName();

    /** @return the exception that makes {@code failure} permanent, or {@code null} */
    Throwable find(Throwable failure) {
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Throwable t = failure; t != null && seen.size() < MAX_DEPTH && seen.add(t); t = t.getCause()) {
            for (Class<?> c = t.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
                if (typeNames.contains(c.getName()) || annotated(c)) {
                    return t;
                }
            }
        }
        return null;
    }
}
