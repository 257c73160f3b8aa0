package dev.natsjca.outbound;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.natsjca.config.Subjects;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StreamInfo;

/**
 * Which stream stores a subject, and whether it allows atomic publish: the streams of the
 * connection's account as last listed, listed again when {@link #MAX_AGE} old or when a subject
 * matches none of them (at most once per {@link #MIN_RELIST}). A stale answer is harmless: the
 * server checks every batch, and refuses one a stream no longer allows with nothing stored.
 *
 * <p>Thread-safe; one per managed connection (a connection's account decides what it sees).
 */
final class StreamDirectory {

    /** How old a listing may be before a transaction lists again. */
    static final Duration MAX_AGE = Duration.ofSeconds(5);
    /** How often a subject no stream is known for may list again. */
    static final Duration MIN_RELIST = Duration.ofSeconds(1);

    /** A stream as the planner needs it. */
    /**
     * @param refusesWhenFull whether the stream refuses new messages at a limit ({@code discard: new}
     *        with a message, byte or per-subject limit): a batch learns that only at its commit
     */
    record Stream(String name, List<String> subjects, boolean atomic, Duration duplicateWindow, long maxMessageSize,
                  boolean refusesWhenFull) {
    }

    private final Connection connection;
    private List<Stream> streams;
    private long listedAt;

    StreamDirectory(Connection connection) {
        this.connection = connection;
    }

    /**
     * @return the stream that stores {@code subject}, or {@code null} when none does
     * @throws IOException, JetStreamApiException when the streams cannot be listed
     */
    synchronized Stream streamOf(String subject) throws IOException, JetStreamApiException {
        long now = System.nanoTime();
        if (streams == null || now - listedAt > MAX_AGE.toNanos()) {
            list(now);
        }
        Stream s = find(subject);
        if (s == null && now - listedAt > MIN_RELIST.toNanos()) {
            list(now);
            s = find(subject);
        }
        return s;
    }

    private Stream find(String subject) {
        for (Stream s : streams) {
            for (String filter : s.subjects()) {
                if (Subjects.matches(filter, subject)) {
                    return s;
                }
            }
        }
        return null;
    }

    private void list(long now) throws IOException, JetStreamApiException {
        List<Stream> all = new ArrayList<>();
        for (StreamInfo info : connection.jetStreamManagement().getStreams()) {
            StreamConfiguration c = info.getConfiguration();
            all.add(new Stream(c.getName(), c.getSubjects() == null ? List.of() : List.copyOf(c.getSubjects()),
                    c.getAllowAtomicPublish(), c.getDuplicateWindow(), c.getMaxMsgSize(),
                    c.getDiscardPolicy() == io.nats.client.api.DiscardPolicy.New && (c.getMaxMsgs() > 0
                            || c.getMaxBytes() > 0 || c.getMaxMsgsPerSubject() > 0)));
        }
        streams = all;
        listedAt = now;
    }
}
