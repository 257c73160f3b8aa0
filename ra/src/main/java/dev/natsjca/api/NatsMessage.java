package dev.natsjca.api;

import java.time.Instant;

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

    /** @return whether this message came from a JetStream consumer (the methods below apply) */
    boolean isJetStream();

    /** @return the stream the message is stored in; {@code null} for core NATS */
    String stream();

    /** @return the message's sequence in its stream; 0 for core NATS */
    long streamSequence();

    /** @return the consumer's delivery sequence; 0 for core NATS */
    long consumerSequence();

    /** @return which delivery attempt this is, from 1; 1 for core NATS */
    long deliveryCount();

    /** @return when the stream stored the message; {@code null} for core NATS */
    Instant timestamp();

    /**
     * Tells the server that processing takes longer: the ack deadline ({@code ackWait}) starts over.
     *
     * @throws IllegalStateException for a core NATS message
     */
    void inProgress();

    /**
     * Tells the server never to redeliver this message (nor to dead-letter it); the adapter then
     * neither acks nor naks it.
     *
     * @throws IllegalStateException for a core NATS message
     */
    void term();

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
