package dev.natsjca.outbound;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import io.nats.client.JetStreamApiException;
import io.nats.client.Message;
import io.nats.client.PublishOptions;
import io.nats.client.api.PublishAck;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;
import io.nats.client.support.NatsJetStreamConstants;

/**
 * A transaction's messages as the atomic batch protocol (ADR-50) sends them: each with the
 * batch's headers ({@code Nats-Batch-Id}, {@code Nats-Batch-Sequence}, {@code Nats-Batch-Commit})
 * and its {@link PublishOptions} turned into headers as jnats would; the end-of-batch marker; the
 * abort; and each message's acknowledgement made from the batch's.
 */
final class BatchMessages {

    static final String BATCH_ID = NatsJetStreamConstants.NATS_BATCH_ID_HDR;
    static final String BATCH_SEQUENCE = NatsJetStreamConstants.NATS_BATCH_SEQUENCE_HDR;
    static final String BATCH_COMMIT = NatsJetStreamConstants.NATS_BATCH_COMMIT_HDR;

    private final List<StagingXAResource.Staged> messages;

    /** @param messages the transaction's messages, in publish order */
    BatchMessages(List<StagingXAResource.Staged> messages) {
        this.messages = messages;
    }

    /** @return the whole batch under {@code batchId}, the last message (or a marker) committing it */
    List<Message> whole(String batchId) {
        List<Message> all = new ArrayList<>(messages.size() + 1);
        int n = messages.size();
        for (int k = 0; k < n; k++) {
            all.add(message(k, batchId, k == n - 1 ? "1" : null));
        }
        return all;
    }

    /** @return message {@code k} (from 0) of the batch, committing it when {@code commit} is set ({@code "1"}) */
    Message message(int k, String batchId, String commit) {
        StagingXAResource.Staged s = messages.get(k);
        Headers h = withOptions(NatsManagedConnection.copyOf(s.headers()), s.options());
        h.put(BATCH_ID, batchId);
        h.put(BATCH_SEQUENCE, Integer.toString(k + 1));
        if (commit != null) {
            h.put(BATCH_COMMIT, commit);
        }
        return NatsMessage.builder().subject(s.subject()).headers(h).data(s.data()).build();
    }

    /** @return the bytes message {@code k} (from 0) takes sent on its own, headers included */
    long sizeAlone(int k) {
        StagingXAResource.Staged s = messages.get(k);
        Headers h = withOptions(NatsManagedConnection.copyOf(s.headers()), s.options());
        return (long) s.data().length + h.serializedLength();
    }

    /** @return the end-of-batch marker: commits the batch without being stored (2.14+) */
    Message endOfBatch(String batchId, int sequence) {
        Headers h = new Headers();
        h.put(BATCH_ID, batchId);
        h.put(BATCH_SEQUENCE, Integer.toString(sequence));
        h.put(BATCH_COMMIT, "eob");
        return NatsMessage.builder().subject(messages.get(messages.size() - 1).subject()).headers(h)
                .data(new byte[0]).build();
    }

    /** The options a JetStream publish would turn into headers, as jnats does. */
    static Headers withOptions(Headers headers, PublishOptions o) {
        Headers h = headers == null ? new Headers() : headers;
        if (o == null) {
            return h;
        }
        if (o.getExpectedLastSequence() != PublishOptions.UNSET_LAST_SEQUENCE) {
            h.put(NatsJetStreamConstants.EXPECTED_LAST_SEQ_HDR, Long.toString(o.getExpectedLastSequence()));
        }
        if (o.getExpectedLastSubjectSequence() != PublishOptions.UNSET_LAST_SEQUENCE) {
            h.put(NatsJetStreamConstants.EXPECTED_LAST_SUB_SEQ_HDR, Long.toString(o.getExpectedLastSubjectSequence()));
        }
        putIfSet(h, NatsJetStreamConstants.EXPECTED_LAST_SUB_SEQ_SUB_HDR, o.getExpectedLastSubjectSequenceSubject());
        putIfSet(h, NatsJetStreamConstants.EXPECTED_LAST_MSG_ID_HDR, o.getExpectedLastMsgId());
        putIfSet(h, NatsJetStreamConstants.EXPECTED_STREAM_HDR, o.getExpectedStream());
        putIfSet(h, NatsJetStreamConstants.MSG_ID_HDR, o.getMessageId());
        putIfSet(h, NatsJetStreamConstants.MSG_TTL_HDR, o.getMessageTtl());
        return h;
    }

    private static void putIfSet(Headers h, String key, String value) {
        if (value != null && !value.isEmpty()) {
            h.put(key, value);
        }
    }

    /**
     * @return the message that aborts the batch at once: its sequence leaves a gap, and it is
     *         marked for the core subscribers that see it
     */
    Message abort(String batchId) {
        Headers h = new Headers();
        h.put(BATCH_ID, batchId);
        h.put(BATCH_SEQUENCE, Integer.toString(messages.size() + 2));
        h.put(dev.natsjca.api.NatsHeaders.BATCH_ABORT, "rolled back");
        return NatsMessage.builder().subject(messages.get(messages.size() - 1).subject()).headers(h)
                .data(new byte[0]).build();
    }

    /** @return each message's acknowledgement, from the batch's: its messages are stored one after another */
    List<PublishAck> acks(PublishAck batchAck) throws IOException, JetStreamApiException {
        List<PublishAck> acks = new ArrayList<>(messages.size());
        int n = messages.size();
        for (int k = 0; k < n; k++) {
            if (batchAck.isDuplicate()) {
                acks.add(batchAck);
            } else {
                long seq = batchAck.getSeqno() - (n - 1 - k);
                acks.add(ackOf("{\"stream\":\"" + batchAck.getStream() + "\",\"seq\":" + seq + ",\"batch\":\""
                        + batchAck.getBatchId() + "\",\"count\":" + n + "}"));
            }
        }
        return acks;
    }

    /** @return an acknowledgement as the server would send it */
    static PublishAck ackOf(String json) throws IOException, JetStreamApiException {
        return new PublishAck(NatsMessage.builder().subject("ack").data(json.getBytes(StandardCharsets.UTF_8))
                .build());
    }
}
