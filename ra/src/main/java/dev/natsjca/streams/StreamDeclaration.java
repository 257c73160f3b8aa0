package dev.natsjca.streams;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.UnaryOperator;

import dev.natsjca.config.JetStreamRefusals;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.ServerInfo;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StreamInfo;
import io.nats.client.api.StorageType;
import jakarta.resource.spi.InvalidPropertyException;

/**
 * A stream as an application declares it: its name, what the adapter may do about it
 * ({@link Mode}), and the settings the application cares about. Settings it does not declare are
 * never compared and never changed (an operator may own them).
 *
 * <p>{@link #apply} makes the server's stream match, or says why it cannot: it creates the stream
 * when absent, updates settings an existing stream may change (an INFO names each change), and
 * refuses, naming the stream, the setting and both values, a setting an existing stream may not
 * change, a setting the server is too old for, and a setting the server did not take.
 *
 * <p>Immutable; {@link #apply} is safe to call from several activations at once (a create that
 * loses the race compares against the winner's stream).
 */
public final class StreamDeclaration {

    private static final System.Logger LOG = System.getLogger(StreamDeclaration.class.getName());
    private static final int STREAM_NOT_FOUND = 10059;
    private static final int STREAM_NAME_IN_USE = 10058;

    /** What the adapter may do about the stream. */
    public enum Mode {
        /** Nothing: the stream must exist; no setting is compared (the default). */
        NONE,
        /** Create it when absent, update what may change, refuse what may not. */
        ENSURE,
        /** Never change: refuse when absent or when a declared setting differs. */
        VERIFY
    }

    /** The names of the stream setting properties ({@code streamSubjects}, {@code streamStorage}, ...). */
    public static final List<String> PROPERTIES = java.util.Arrays.stream(StreamSetting.values())
            .map(s -> s.property).toList();

    /** One lock per stream name: activations of this adapter ensuring one stream do it one after another. */
    private static final java.util.concurrent.ConcurrentMap<String, Object> LOCKS =
            new java.util.concurrent.ConcurrentHashMap<>();

    private final String stream;
    private final Mode mode;
    /** What the application declared: compared with an existing stream, never more. */
    private final Map<StreamSetting, Object> settings;
    /** What a stream created now gets: the declared settings plus defaults (subjects, file storage). */
    private final Map<StreamSetting, Object> created;

    private StreamDeclaration(String stream, Mode mode, Map<StreamSetting, Object> settings,
                              Map<StreamSetting, Object> created) {
        this.stream = stream;
        this.mode = mode;
        this.settings = Collections.unmodifiableMap(settings);
        this.created = Collections.unmodifiableMap(created);
    }

    /**
     * @param stream the stream's name
     * @param mode the {@code streamDeclaration} property's resolved value, or {@code null} for none
     * @param property the resolved value of each stream property by its name ({@code streamStorage}, ...),
     *        {@code null} when unset
     * @param defaultSubjects the subjects of a created stream when {@code streamSubjects} is unset
     * @throws InvalidPropertyException naming the property and its value
     */
    public static StreamDeclaration of(String stream, String mode, UnaryOperator<String> property,
                                       List<String> defaultSubjects) throws InvalidPropertyException {
        Mode m = Mode.NONE;
        if (mode != null && !mode.isBlank()) {
            try {
                m = Mode.valueOf(mode.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw StreamSetting.invalid("streamDeclaration", mode, "expected none, ensure or verify");
            }
        }
        Map<StreamSetting, Object> settings = new EnumMap<>(StreamSetting.class);
        for (StreamSetting s : StreamSetting.values()) {
            String v = property.apply(s.property);
            if (v == null || v.isBlank()) {
                continue;
            }
            if (m == Mode.NONE) {
                throw StreamSetting.invalid(s.property, v, "stream settings apply only with streamDeclaration "
                        + "ensure (create and update the stream) or verify (compare, never change)");
            }
            settings.put(s, s.parse(v));
        }
        @SuppressWarnings("unchecked")
        java.util.Set<String> declaredSubjects = (java.util.Set<String>) settings.get(StreamSetting.SUBJECTS);
        if (declaredSubjects != null) {
            for (String subject : defaultSubjects) {
                if (declaredSubjects.stream().noneMatch(s -> dev.natsjca.config.Subjects.covers(s, subject))) {
                    // Checked here, before anything changes: the stream would not store what the consumer filters on.
                    throw StreamSetting.invalid("streamSubjects", String.join(",", declaredSubjects),
                            "none of them covers the activation's subject '" + subject + "'");
                }
            }
        }
        Map<StreamSetting, Object> created = new EnumMap<>(settings);
        created.putIfAbsent(StreamSetting.SUBJECTS, new java.util.TreeSet<>(defaultSubjects));
        created.putIfAbsent(StreamSetting.STORAGE, StorageType.File);
        return new StreamDeclaration(stream, m, settings, created);
    }

    /**
     * @return how this declaration and {@code other}, of the same stream, disagree (a setting both
     *         declare with different values), or {@code null}: activations that disagree would
     *         change the stream back and forth
     */
    public String conflictWith(StreamDeclaration other) {
        if (!stream.equals(other.stream)) {
            return null;
        }
        List<String> conflicts = new ArrayList<>();
        settings.forEach((s, v) -> {
            Object theirs = other.settings.get(s);
            if (theirs != null && !theirs.equals(v)) {
                conflicts.add(s.property + " " + StreamSetting.show(v) + " here, " + StreamSetting.show(theirs)
                        + " there");
            }
        });
        return conflicts.isEmpty() ? null : String.join("; ", conflicts);
    }

    /**
     * @return whether the stream, as this declaration would create it, stores {@code subject}
     *         (a literal subject, e.g. a dead-letter subject)
     */
    public boolean wouldStore(String subject) {
        if (mode != Mode.ENSURE) {
            return false;
        }
        @SuppressWarnings("unchecked")
        java.util.Set<String> subjects = (java.util.Set<String>) created.get(StreamSetting.SUBJECTS);
        return subjects.stream().anyMatch(s -> dev.natsjca.config.Subjects.matches(s, subject));
    }

    /** @return the stream's name */
    public String stream() {
        return stream;
    }

    /** @return the mode */
    public Mode mode() {
        return mode;
    }

    /**
     * Makes the server's stream match this declaration, or refuses.
     *
     * @param owner names the activation in logs
     * @return the stream as it is now
     * @throws StreamDeclarationException the stream cannot match: absent (mode none or verify), a
     *         declared setting that differs and may not change (or, verifying, differs at all), a
     *         setting the server is too old for, or one the server did not take
     * @throws IOException, JetStreamApiException as the server answered otherwise
     */
    public StreamInfo apply(JetStreamManagement jsm, ServerInfo server, String owner)
            throws StreamDeclarationException, IOException, JetStreamApiException {
        if (mode == Mode.NONE) {
            return applyLocked(jsm, server, owner); // a read only
        }
        synchronized (LOCKS.computeIfAbsent(stream, k -> new Object())) {
            return applyLocked(jsm, server, owner);
        }
    }

    private StreamInfo applyLocked(JetStreamManagement jsm, ServerInfo server, String owner)
            throws StreamDeclarationException, IOException, JetStreamApiException {
        return forServer(server).applyResolved(jsm, server, owner);
    }

    /** @return this declaration with every {@code whenSupported} value decided for {@code server} */
    private StreamDeclaration forServer(ServerInfo server) {
        Map<StreamSetting, Object> s = new EnumMap<>(StreamSetting.class);
        settings.forEach((k, v) -> s.put(k, k.forServer(v, server)));
        Map<StreamSetting, Object> c = new EnumMap<>(StreamSetting.class);
        created.forEach((k, v) -> c.put(k, k.forServer(v, server)));
        return new StreamDeclaration(stream, mode, s, c);
    }

    private StreamInfo applyResolved(JetStreamManagement jsm, ServerInfo server, String owner)
            throws StreamDeclarationException, IOException, JetStreamApiException {
        StreamInfo existing = find(jsm);
        if (existing == null) {
            if (mode != Mode.ENSURE) {
                throw new StreamDeclarationException("Invalid value for property 'stream': '" + stream
                        + "': no such stream on the server" + (mode == Mode.VERIFY
                        ? " (streamDeclaration=verify never creates one)"
                        : " (set streamDeclaration=ensure, and streamSubjects, to create it)"));
            }
            requireServerFor(server, created);
            StreamConfiguration.Builder b = StreamConfiguration.builder().name(stream);
            created.forEach((s, v) -> s.write(b, v));
            try {
                jsm.addStream(b.build());
                LOG.log(Level.INFO, "{0}: created stream {1} with {2}", owner, stream, describe(created));
                return checkTaken(jsm);
            } catch (JetStreamApiException e) {
                if (JetStreamRefusals.mayPass(e)) {
                    throw e; // no meta leader, JetStream not ready, ...: the caller retries
                }
                if (e.getApiErrorCode() != STREAM_NAME_IN_USE) {
                    throw refused("create", e);
                }
                existing = jsm.getStreamInfo(stream); // another activation created it meanwhile
            }
        }
        if (mode == Mode.NONE) {
            return existing;
        }
        StreamConfiguration now = existing.getConfiguration();
        Map<StreamSetting, Object> changes = new EnumMap<>(StreamSetting.class);
        List<String> refusals = new ArrayList<>();
        settings.forEach((s, wanted) -> {
            Object have = s.read(now);
            if (!wanted.equals(have)) {
                changes.put(s, wanted);
                String why = mode == Mode.VERIFY ? "streamDeclaration=verify never changes a stream"
                        : whyNot(s, have, wanted, server);
                if (why != null) {
                    refusals.add(difference(s, have, wanted) + ": " + why);
                }
            }
        });
        if (!refusals.isEmpty()) {
            throw new StreamDeclarationException("Stream '" + stream + "' differs from its declaration: "
                    + String.join("; ", refusals));
        }
        if (changes.isEmpty()) {
            return existing;
        }
        requireServerFor(server, changes);
        Duration window = now.getDuplicateWindow();
        Object maxAge = changes.get(StreamSetting.MAX_AGE);
        if (maxAge instanceof Duration age && !age.isZero() && !settings.containsKey(StreamSetting.DUPLICATE_WINDOW)
                && window != null && window.compareTo(age) > 0) {
            // The server refuses a window longer than the age on update (and shortens it itself on create).
            changes.put(StreamSetting.DUPLICATE_WINDOW, age);
        }
        StreamConfiguration.Builder b = StreamConfiguration.builder(now);
        changes.forEach((s, v) -> s.write(b, v));
        try {
            jsm.updateStream(b.build());
        } catch (JetStreamApiException e) {
            if (JetStreamRefusals.mayPass(e)) {
                throw e;
            }
            throw refused("update (" + describeChanges(now, changes) + ")", e);
        }
        LOG.log(Level.INFO, "{0}: updated stream {1}: {2}", owner, stream, describeChanges(now, changes));
        return checkTaken(jsm);
    }

    private StreamInfo find(JetStreamManagement jsm) throws IOException, JetStreamApiException {
        try {
            return jsm.getStreamInfo(stream);
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() == STREAM_NOT_FOUND) {
                return null;
            }
            throw e;
        }
    }

    /** @return why an existing stream may not go from {@code have} to {@code wanted}, or {@code null} */
    private static String whyNot(StreamSetting s, Object have, Object wanted, ServerInfo server) {
        switch (s.change) {
            case NEVER:
                return "an existing stream cannot change it (recreate the stream, or declare what it has)";
            case ONLY_ON:
                return Boolean.TRUE.equals(have) ? "once on, the server never turns it off" : null;
            case RETENTION:
                String workQueue = io.nats.client.api.RetentionPolicy.WorkQueue.toString();
                if (have.toString().equals(workQueue) || wanted.toString().equals(workQueue)) {
                    return "an existing stream cannot change to or from work-queue retention";
                }
                return server.isSameOrNewerThanVersion(StreamSetting.RETENTION_SWAP) ? null
                        : "changing retention needs nats-server " + StreamSetting.RETENTION_SWAP + "; the server is "
                        + server.getVersion();
            default:
                return null;
        }
    }

    private void requireServerFor(ServerInfo server, Map<StreamSetting, Object> which) throws StreamDeclarationException {
        for (Map.Entry<StreamSetting, Object> e : which.entrySet()) {
            StreamSetting s = e.getKey();
            if (s.needsNewerServer(e.getValue()) && !server.isSameOrNewerThanVersion(s.since)) {
                throw new StreamDeclarationException("Invalid value for property '" + s.property + "': '"
                        + StreamSetting.show(e.getValue()) + "' (stream '" + stream + "'): needs nats-server " + s.since
                        + " or newer; the server is " + server.getVersion() + ", which would ignore it");
            }
        }
    }

    /**
     * Read back, not taken from the create's or update's answer: every declared setting must be
     * as declared (a server may ignore one; another node may have updated the stream meanwhile).
     */
    private StreamInfo checkTaken(JetStreamManagement jsm) throws StreamDeclarationException, IOException,
            JetStreamApiException {
        StreamInfo info = jsm.getStreamInfo(stream);
        StreamConfiguration c = info.getConfiguration();
        List<String> ignored = new ArrayList<>();
        settings.forEach((s, wanted) -> {
            if (!wanted.equals(s.read(c))) {
                ignored.add(difference(s, s.read(c), wanted));
            }
        });
        if (!ignored.isEmpty()) {
            throw new StreamDeclarationException("Stream '" + stream + "': the server did not take "
                    + String.join("; ", ignored));
        }
        return info;
    }

    private StreamDeclarationException refused(String what, JetStreamApiException e) {
        return new StreamDeclarationException("Stream '" + stream + "': the server refused the " + what + ": "
                + e.getErrorDescription() + " (error " + e.getApiErrorCode() + ")", e);
    }

    private static String difference(StreamSetting s, Object have, Object wanted) {
        return s.property + " is " + StreamSetting.show(have) + " on the server, declared " + StreamSetting.show(wanted);
    }

    private static String describe(Map<StreamSetting, Object> settings) {
        List<String> parts = new ArrayList<>();
        settings.forEach((s, v) -> parts.add(s.property + "=" + StreamSetting.show(v)));
        return String.join(", ", parts);
    }

    private static String describeChanges(StreamConfiguration now, Map<StreamSetting, Object> changes) {
        List<String> parts = new ArrayList<>();
        changes.forEach((s, v) -> parts.add(s.property + " " + StreamSetting.show(s.read(now)) + " -> "
                + StreamSetting.show(v)));
        return String.join(", ", parts);
    }

    @Override
    public String toString() {
        return "StreamDeclaration[" + stream + ", " + mode.name().toLowerCase(Locale.ROOT) + ", " + describe(settings) + "]";
    }
}
