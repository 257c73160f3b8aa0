package dev.natsjca.it;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.natsjca.testing.Await;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.api.MessageInfo;

/** What a test sees of a stream and its consumers from outside, over plain jnats. */
final class Streams {

    /** JetStream API error: no message at or after the sequence. */
    private static final int NO_MESSAGE_FOUND = 10037;

    private final JetStreamManagement jsm;

    Streams(JetStreamManagement jsm) {
        this.jsm = jsm;
    }

    /** Waits until the bean's activation has created the stream (when asked) and its durable. */
    void awaitConsumer(Duration wait, String stream, String durable) {
        Await.until(wait, "the MDB created stream " + stream + " and durable " + durable,
                () -> consumer(stream, durable) != null);
    }

    /** @return the durable's info, or {@code null} when it does not exist (yet) or the server is away */
    ConsumerInfo consumer(String stream, String durable) {
        try {
            return jsm.getConsumerInfo(stream, durable);
        } catch (IOException | JetStreamApiException e) {
            return null;
        }
    }

    /** @return the stream sequence of the durable's ack floor */
    long ackFloor(String stream, String durable) {
        ConsumerInfo info = consumer(stream, durable);
        if (info == null) {
            throw new IllegalStateException("no durable " + durable + " on stream " + stream);
        }
        return info.getAckFloor().getStreamSequence();
    }

    /** @return whether the durable has nothing left to deliver and nothing unacknowledged */
    boolean settled(String stream, String durable) {
        ConsumerInfo info = consumer(stream, durable);
        return info != null && info.getNumPending() == 0 && info.getNumAckPending() == 0;
    }

    /**
     * @return the messages stored on {@code subject} from sequence {@code from} on, in order
     * @throws IOException when the server cannot be asked (e.g. while it restarts)
     */
    List<MessageInfo> stored(String stream, String subject, long from) throws IOException {
        List<MessageInfo> all = new ArrayList<>();
        long seq = from;
        try {
            while (true) {
                MessageInfo m = jsm.getNextMessage(stream, seq, subject);
                all.add(m);
                seq = m.getSeq() + 1;
            }
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() != NO_MESSAGE_FOUND) {
                throw new IllegalStateException(e);
            }
        }
        return all;
    }
}
