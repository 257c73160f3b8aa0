package dev.natsjca.api;

/**
 * Header names the adapter writes and reads. Part of the wire contract with other NATS clients.
 */
public final class NatsHeaders {

    /** {@value}: set to {@link #PROTOBUF_CONTENT_TYPE} on protobuf payloads. */
    public static final String CONTENT_TYPE = "Content-Type";

    /** The content type of protobuf payloads: {@value}. */
    public static final String PROTOBUF_CONTENT_TYPE = "application/protobuf";

    /**
     * {@value}: the full protobuf message type of the payload, e.g. {@code sample.orders.OrderPlaced}
     * (the {@code package.Message} name from the {@code .proto} file).
     */
    public static final String PROTOBUF_TYPE = "Protobuf-Type";

    /** On a dead letter: the subject the message was first published to. */
    public static final String DEAD_LETTER_SUBJECT = "Dead-Letter-Subject";
    /** On a dead letter: the stream it came from. */
    public static final String DEAD_LETTER_STREAM = "Dead-Letter-Stream";
    /** On a dead letter: its sequence in that stream. */
    public static final String DEAD_LETTER_SEQUENCE = "Dead-Letter-Sequence";
    /** On a dead letter: how many delivery attempts failed. */
    public static final String DEAD_LETTER_DELIVERIES = "Dead-Letter-Deliveries";
    /**
     * On a dead letter: the last failure, every exception of the cause chain with its message,
     * in ASCII (other characters escaped as in Java, control characters removed), at most 1024
     * characters.
     */
    public static final String DEAD_LETTER_REASON = "Dead-Letter-Reason";
    /**
     * On a dead letter, {@value}{@code <name>}: an original header named {@code Nats-*}, a
     * directive the server acts on ({@code Nats-Msg-Id}, {@code Nats-Expected-*}, {@code Nats-Rollup},
     * {@code Nats-TTL}, ...), kept under this inert name so it does not act on the dead-letter stream.
     */
    public static final String DEAD_LETTER_ORIGINAL_PREFIX = "Dead-Letter-Original-";
    /**
     * On a dead letter that would be too big to store with the original's data (the server's
     * {@code max_payload}, the dead-letter stream's {@code max_msg_size}): the data's length; the
     * dead letter carries no data, the original stays in its stream at {@link #DEAD_LETTER_SEQUENCE}.
     */
    public static final String DEAD_LETTER_DATA_OMITTED = "Dead-Letter-Data-Omitted";

    /**
     * {@value}: on the empty message that aborts a rolled-back transaction's atomic batch (its
     * sequence leaves a gap, so the stream drops the batch). Core subscribers on the stream's
     * subjects receive it, as they receive the batch's staged messages and the end-of-batch
     * marker ({@code Nats-Batch-Commit: eob}); the adapter's core activations skip both.
     */
    public static final String BATCH_ABORT = "Batch-Abort";

    private NatsHeaders() {
    }
}
