package dev.natsjca.payload;

import com.google.protobuf.Internal;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;

import dev.natsjca.api.NatsHeaders;
import dev.natsjca.api.NatsPayloadException;
import io.nats.client.impl.Headers;

/**
 * Protobuf payloads on NATS: the message's bytes, with {@value NatsHeaders#CONTENT_TYPE}
 * {@value NatsHeaders#PROTOBUF_CONTENT_TYPE} and {@value NatsHeaders#PROTOBUF_TYPE} naming the
 * full message type, so that any client can tell what it received.
 */
public final class Protobuf {

    private Protobuf() {
    }

    /**
     * @param headers the application's headers, or {@code null}; not modified
     * @param message the message to send
     * @return a copy of {@code headers} with the two protobuf headers set
     */
    public static Headers headersFor(Headers headers, Message message) {
        Headers out = headers == null ? new Headers() : new Headers(headers);
        return out.put(NatsHeaders.CONTENT_TYPE, NatsHeaders.PROTOBUF_CONTENT_TYPE)
                .put(NatsHeaders.PROTOBUF_TYPE, message.getDescriptorForType().getFullName());
    }

    /**
     * Parses a payload as {@code type}. When the message names its protobuf type, it must be
     * {@code type}'s; a message without the header (e.g. from a client that does not set it) is
     * parsed as {@code type} on trust.
     *
     * @param subject the message's subject, for error messages
     * @param headers the message's headers, may be {@code null}
     * @param data the payload
     * @param type the generated message class expected
     * @return the parsed message
     * @throws NatsPayloadException on a type mismatch or malformed bytes
     */
    public static <T extends Message> T parse(String subject, Headers headers, byte[] data, Class<T> type) {
        T prototype = Internal.getDefaultInstance(type);
        String expected = prototype.getDescriptorForType().getFullName();
        String named = headers == null ? null : headers.getFirst(NatsHeaders.PROTOBUF_TYPE);
        if (named != null && !named.equals(expected)) {
            throw new NatsPayloadException("Message on subject '" + subject + "' carries protobuf type '" + named
                    + "' (header " + NatsHeaders.PROTOBUF_TYPE + "), not the requested '" + expected + "' ("
                    + type.getName() + ")", null);
        }
        try {
            @SuppressWarnings("unchecked")
            T parsed = (T) prototype.getParserForType().parseFrom(data);
            return parsed;
        } catch (InvalidProtocolBufferException e) {
            throw new NatsPayloadException("Message on subject '" + subject + "' is not a valid '" + expected
                    + "' payload (" + data.length + " bytes): " + e.getMessage(), e);
        }
    }
}
