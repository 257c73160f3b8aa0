package dev.natsjca.sample;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.ejb.ConcurrencyManagement;
import jakarta.ejb.ConcurrencyManagementType;
import jakarta.ejb.Singleton;

/**
 * This instance's copy of the key-value bucket {@value SampleSubjects#CONFIG_BUCKET}, kept in step
 * by {@link ConfigWatcher}: each key's value at the highest revision seen. A change that arrives
 * again (a redelivery) or late never overwrites a newer one.
 */
@Singleton
@ConcurrencyManagement(ConcurrencyManagementType.BEAN)
public class ConfigCache {

    /** A key's value and the revision that set it; {@code value == null}: deleted at that revision. */
    public record Entry(String value, long revision) {
    }

    private final Map<String, Entry> entries = new ConcurrentHashMap<>();

    /** Applies a put ({@code value} non-null) or a delete ({@code null}) made at {@code revision}. */
    public void apply(String key, String value, long revision) {
        entries.merge(key, new Entry(value, revision), (old, now) -> now.revision() > old.revision() ? now : old);
    }

    /** @return the key's entry, or {@code null} when no change of it was seen */
    public Entry get(String key) {
        return entries.get(key);
    }

    /** @return how many keys have a value */
    public long size() {
        return entries.values().stream().filter(e -> e.value() != null).count();
    }
}
