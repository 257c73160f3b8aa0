package dev.natsjca.streams;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import java.util.function.Function;

import dev.natsjca.config.Subjects;
import io.nats.client.api.CompressionOption;
import io.nats.client.api.DiscardPolicy;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import jakarta.resource.spi.InvalidPropertyException;

/**
 * One declarable stream setting: the property that declares it, how its value is read, how it
 * is read from and written to a jnats {@link StreamConfiguration}, whether an existing stream may
 * change it, and the first nats-server release that honours it (older ones ignore the field
 * silently, so the adapter refuses it instead).
 */
enum StreamSetting {

    SUBJECTS("streamSubjects", null, Change.ALWAYS, v -> new TreeSet<>(Subjects.requireSubscribeSubjects("streamSubjects", v)),
            c -> new TreeSet<>(c.getSubjects()), (b, v) -> b.subjects(List.copyOf(set(v)))),
    STORAGE("streamStorage", null, Change.NEVER, v -> choice("streamStorage", v, StorageType.class, "file", "memory"),
            StreamConfiguration::getStorageType, (b, v) -> b.storageType((StorageType) v)),
    REPLICAS("streamReplicas", null, Change.ALWAYS, v -> (int) number("streamReplicas", v, 1, 5),
            StreamConfiguration::getReplicas, (b, v) -> b.replicas((Integer) v)),
    RETENTION("streamRetention", null, Change.RETENTION,
            v -> choice("streamRetention", v, RetentionPolicy.class, "limits", "interest", "workqueue"),
            StreamConfiguration::getRetentionPolicy, (b, v) -> b.retentionPolicy((RetentionPolicy) v)),
    MAX_AGE("streamMaxAge", null, Change.ALWAYS, v -> duration("streamMaxAge", v),
            StreamConfiguration::getMaxAge, (b, v) -> b.maxAge((Duration) v)),
    MAX_MESSAGES("streamMaxMessages", null, Change.ALWAYS, v -> limit("streamMaxMessages", v),
            StreamConfiguration::getMaxMsgs, (b, v) -> b.maxMessages((Long) v)),
    MAX_BYTES("streamMaxBytes", null, Change.ALWAYS, v -> limit("streamMaxBytes", v),
            StreamConfiguration::getMaxBytes, (b, v) -> b.maxBytes((Long) v)),
    MAX_MESSAGES_PER_SUBJECT("streamMaxMessagesPerSubject", null, Change.ALWAYS,
            v -> limit("streamMaxMessagesPerSubject", v),
            StreamConfiguration::getMaxMsgsPerSubject, (b, v) -> b.maxMessagesPerSubject((Long) v)),
    MAX_MESSAGE_SIZE("streamMaxMessageSize", null, Change.ALWAYS, v -> messageSize(v),
            StreamConfiguration::getMaxMsgSize, (b, v) -> b.maxMsgSize((Long) v)),
    DISCARD("streamDiscard", null, Change.ALWAYS, v -> choice("streamDiscard", v, DiscardPolicy.class, "old", "new"),
            StreamConfiguration::getDiscardPolicy, (b, v) -> b.discardPolicy((DiscardPolicy) v)),
    DISCARD_NEW_PER_SUBJECT("streamDiscardNewPerSubject", null, Change.ALWAYS,
            v -> bool("streamDiscardNewPerSubject", v),
            StreamConfiguration::isDiscardNewPerSubject, (b, v) -> b.discardNewPerSubject((Boolean) v)),
    DUPLICATE_WINDOW("streamDuplicateWindow", null, Change.ALWAYS,
            v -> dev.natsjca.config.Durations.parsePositive("streamDuplicateWindow", v.trim()),
            StreamConfiguration::getDuplicateWindow, (b, v) -> b.duplicateWindow((Duration) v)),
    ALLOW_ROLLUP("streamAllowRollup", null, Change.ALWAYS, v -> bool("streamAllowRollup", v),
            StreamConfiguration::getAllowRollup, (b, v) -> b.allowRollup((Boolean) v)),
    DENY_DELETE("streamDenyDelete", null, Change.ONLY_ON, v -> bool("streamDenyDelete", v),
            StreamConfiguration::getDenyDelete, (b, v) -> b.denyDelete((Boolean) v)),
    DENY_PURGE("streamDenyPurge", null, Change.ONLY_ON, v -> bool("streamDenyPurge", v),
            StreamConfiguration::getDenyPurge, (b, v) -> b.denyPurge((Boolean) v)),
    COMPRESSION("streamCompression", "2.10.0", Change.ALWAYS,
            v -> choice("streamCompression", v, CompressionOption.class, "none", "s2"),
            StreamConfiguration::getCompressionOption, (b, v) -> b.compressionOption((CompressionOption) v)),
    ALLOW_MESSAGE_TTL("streamAllowMessageTtl", "2.11.0", Change.ONLY_ON, v -> bool("streamAllowMessageTtl", v),
            StreamConfiguration::getAllowMessageTtl, (b, v) -> b.allowMessageTtl((Boolean) v)),
    ALLOW_ATOMIC_PUBLISH("streamAllowAtomicPublish", "2.12.0", Change.ALWAYS,
            v -> boolOrWhenSupported("streamAllowAtomicPublish", v),
            StreamConfiguration::getAllowAtomicPublish, (b, v) -> b.allowAtomicPublish((Boolean) v)),
    DESCRIPTION("streamDescription", null, Change.ALWAYS, v -> v,
            c -> c.getDescription() == null ? "" : c.getDescription(), (b, v) -> b.description((String) v));

    /** What an existing stream may change. */
    enum Change {
        ALWAYS,
        NEVER,
        /** Can be turned on, never off again. */
        ONLY_ON,
        /** Limits and interest may swap (nats-server 2.10 and newer); work queue never. */
        RETENTION
    }

    /**
     * The value {@code whenSupported}: on where the server honours the setting, off (and not
     * refused) where it is too old. Resolved against the server by {@link #forServer}.
     */
    static final Object WHEN_SUPPORTED = new Object() {
        @Override
        public String toString() {
            return "whenSupported";
        }
    };

    /** @return {@code value} as the server takes it: {@link #WHEN_SUPPORTED} turned into on or off */
    Object forServer(Object value, io.nats.client.api.ServerInfo server) {
        return value == WHEN_SUPPORTED ? Boolean.valueOf(server.isSameOrNewerThanVersion(since)) : value;
    }

    /** The first release that changes retention between limits and interest. */
    static final String RETENTION_SWAP = "2.10.0";

    final String property;
    /** The first nats-server release that honours the setting when it is on, or {@code null}. */
    final String since;
    final Change change;
    private final Parser parse;
    private final Function<StreamConfiguration, Object> read;
    private final BiConsumer<StreamConfiguration.Builder, Object> write;

    @FunctionalInterface
    private interface Parser {
        Object parse(String value) throws InvalidPropertyException;
    }

    @SuppressWarnings("unchecked")
    StreamSetting(String property, String since, Change change, Parser parse, Function<StreamConfiguration, ?> read,
                  BiConsumer<StreamConfiguration.Builder, Object> write) {
        this.property = property;
        this.since = since;
        this.change = change;
        this.parse = parse;
        this.read = (Function<StreamConfiguration, Object>) read;
        this.write = write;
    }

    Object parse(String value) throws InvalidPropertyException {
        return parse.parse(value);
    }

    Object read(StreamConfiguration c) {
        return read.apply(c);
    }

    void write(StreamConfiguration.Builder b, Object value) {
        write.accept(b, value);
    }

    /** @return whether {@code value} needs {@link #since} (it is on: true, or a compression) */
    boolean needsNewerServer(Object value) {
        return since != null && !Boolean.FALSE.equals(value) && value != CompressionOption.None;
    }

    /** @return the value as the property would be written, for messages */
    static String show(Object value) {
        if (value instanceof Set<?> s) {
            return String.join(",", set(s));
        }
        if (value instanceof Enum<?> e) {
            return e.name().toLowerCase(Locale.ROOT);
        }
        return String.valueOf(value);
    }

    @SuppressWarnings("unchecked")
    private static Set<String> set(Object v) {
        return (Set<String>) v;
    }

    private static <E extends Enum<E>> E choice(String property, String value, Class<E> type, String... names)
            throws InvalidPropertyException {
        String v = value.trim().toLowerCase(Locale.ROOT);
        for (E e : type.getEnumConstants()) {
            if (e.name().toLowerCase(Locale.ROOT).equals(v) && List.of(names).contains(v)) {
                return e;
            }
        }
        throw invalid(property, value, "expected " + String.join(", ", names));
    }

    private static long number(String property, String value, long min, long max) throws InvalidPropertyException {
        try {
            long n = Long.parseLong(value.trim());
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw invalid(property, value, "expected a whole number from " + min + " to " + max);
    }

    /** A limit: a positive number, or -1 for none. */
    private static Long limit(String property, String value) throws InvalidPropertyException {
        long n = number(property, value, -1, Long.MAX_VALUE);
        if (n == 0) {
            throw invalid(property, value, "expected a positive number, or -1 for no limit");
        }
        return n;
    }

    /** The server keeps the limit in 32 bits: a larger one would fail only when the stream is made. */
    private static Long messageSize(String value) throws InvalidPropertyException {
        Long n = limit("streamMaxMessageSize", value);
        if (n > Integer.MAX_VALUE) {
            throw invalid("streamMaxMessageSize", value, "at most " + Integer.MAX_VALUE + " (or -1 for no limit)");
        }
        return n;
    }

    private static Boolean bool(String property, String value) throws InvalidPropertyException {
        String v = value.trim();
        if (v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false")) {
            return Boolean.valueOf(v);
        }
        throw invalid(property, value, "must be true or false");
    }

    private static Object boolOrWhenSupported(String property, String value) throws InvalidPropertyException {
        if (value.trim().equalsIgnoreCase("whenSupported")) {
            return WHEN_SUPPORTED;
        }
        String v = value.trim();
        if (v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false")) {
            return Boolean.valueOf(v);
        }
        throw invalid(property, value, "must be true, false or whenSupported (true where the server supports it)");
    }

    /** Milliseconds or ISO-8601; 0 for no limit. */
    private static Duration duration(String property, String value) throws InvalidPropertyException {
        String v = value.trim();
        if (v.equals("0")) {
            return Duration.ZERO;
        }
        return dev.natsjca.config.Durations.parsePositive(property, v);
    }

    static InvalidPropertyException invalid(String property, String value, String why) {
        return new InvalidPropertyException("Invalid value for property '" + property + "': '" + value + "': " + why);
    }
}
