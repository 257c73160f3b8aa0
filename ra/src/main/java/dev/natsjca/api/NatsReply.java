package dev.natsjca.api;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

import io.nats.client.impl.Headers;

/**
 * What a {@link NatsServiceListener} answers: bytes, a protobuf message (sent as its bytes with
 * the headers naming its type, as a publish would) or either with headers. Immutable.
 */
public final class NatsReply {

    private static final byte[] EMPTY = new byte[0];
    private static final NatsReply EMPTY_REPLY = new NatsReply(EMPTY, null, null);

    private final byte[] data;
    private final Headers headers;
    private final com.google.protobuf.Message message;

    private NatsReply(byte[] data, Headers headers, com.google.protobuf.Message message) {
        this.data = data;
        this.headers = headers;
        this.message = message;
    }

    /** @return a reply without payload or headers */
    public static NatsReply empty() {
        return EMPTY_REPLY;
    }

    /** @param data the payload, sent as is (copied) */
    public static NatsReply of(byte[] data) {
        return new NatsReply(Objects.requireNonNull(data, "data").clone(), null, null);
    }

    /** @param text the payload as UTF-8 */
    public static NatsReply of(String text) {
        return new NatsReply(Objects.requireNonNull(text, "text").getBytes(StandardCharsets.UTF_8), null, null);
    }

    /** @param message sent as its bytes, with {@value NatsHeaders#PROTOBUF_TYPE} naming its type */
    public static NatsReply of(com.google.protobuf.Message message) {
        Objects.requireNonNull(message, "message");
        return new NatsReply(message.toByteArray(), null, message);
    }

    /**
     * @param data the payload (copied)
     * @param headers the reply's headers (copied)
     */
    public static NatsReply of(byte[] data, Headers headers) {
        return new NatsReply(Objects.requireNonNull(data, "data").clone(), copy(headers), null);
    }

    /**
     * @param message sent as its bytes, with the protobuf headers added to {@code headers}
     * @param headers the reply's other headers (copied)
     */
    public static NatsReply of(com.google.protobuf.Message message, Headers headers) {
        Objects.requireNonNull(message, "message");
        return new NatsReply(message.toByteArray(), copy(headers), message);
    }

    private static Headers copy(Headers headers) {
        return headers == null || headers.isEmpty() ? null : new Headers(headers, true);
    }

    /** @return the payload (a copy) */
    public byte[] data() {
        return data.clone();
    }

    /** @return the reply's headers (read-only), or {@code null} */
    public Headers headers() {
        return headers;
    }

    /** @return the protobuf message the reply was made of, or {@code null} */
    public com.google.protobuf.Message protobuf() {
        return message;
    }

    @Override
    public String toString() {
        return "NatsReply[bytes=" + data.length + (message == null ? ""
                : ", protobuf=" + message.getDescriptorForType().getFullName()) + "]";
    }
}
