package dev.natsjca.api;

import io.nats.client.impl.Headers;

/**
 * A message delivered to a {@link NatsMessageListener}.
 */
public interface NatsMessage {

    /** @return the subject the message was published to (never a wildcard) */
    String subject();

    /** @return the reply subject, or {@code null} when the publisher expects no reply */
    String replyTo();

    /** @return the message headers, read-only; empty when the message has none */
    Headers headers();

    /** @return the payload; an empty array when the message has none */
    byte[] data();

    /**
     * Parses the payload as a protobuf message. When the message names its type (header
     * {@value NatsHeaders#PROTOBUF_TYPE}, set by {@link NatsConnection#publish(String, com.google.protobuf.Message)}),
     * it must be {@code type}'s; a message without that header is parsed as {@code type} on trust.
     *
     * @param type the generated message class, e.g. {@code OrderPlaced.class}
     * @return the parsed message
     * @throws NatsPayloadException when the message names another type or its bytes are malformed;
     *         the message names the subject and both types
     */
    <T extends com.google.protobuf.Message> T payload(Class<T> type);
}
