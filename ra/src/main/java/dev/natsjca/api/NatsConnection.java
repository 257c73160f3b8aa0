package dev.natsjca.api;

import io.nats.client.impl.Headers;

/**
 * A handle on a pooled NATS connection. Handles are cheap: take one, publish, close it.
 * A handle is meant for the thread that obtained it; after {@link #close()} every method throws
 * {@link IllegalStateException}.
 *
 * <p>A publish outside a transaction is handed to the NATS client at once (the client writes it
 * to the socket asynchronously; during a reconnect it is held in the client's reconnect buffer).
 * Core NATS is at-most-once: a message published while no subscriber is interested is discarded
 * by the server.
 */
public interface NatsConnection extends AutoCloseable {

    /**
     * Publishes {@code data} to {@code subject}.
     *
     * @param subject a NATS subject without wildcards, e.g. {@code orders.placed}
     * @param data the payload; {@code null} is sent as an empty payload
     * @throws IllegalArgumentException when the subject is not a valid publish subject
     * @throws IllegalStateException when this handle is closed
     * @throws NatsException when the NATS client refuses the message (connection closed for good,
     *         payload above the server's maximum)
     */
    void publish(String subject, byte[] data);

    /**
     * Publishes {@code data} with headers to {@code subject}.
     *
     * @param subject a NATS subject without wildcards
     * @param headers message headers, may be {@code null}
     * @param data the payload; {@code null} is sent as an empty payload
     * @throws IllegalArgumentException when the subject is not a valid publish subject
     * @throws IllegalStateException when this handle is closed
     * @throws NatsException when the NATS client refuses the message
     */
    void publish(String subject, Headers headers, byte[] data);

    /**
     * Publishes a protobuf message: its bytes, with headers {@value NatsHeaders#CONTENT_TYPE}
     * {@code application/protobuf} and {@value NatsHeaders#PROTOBUF_TYPE} naming its full type.
     *
     * @param subject a NATS subject without wildcards
     * @param message the message
     * @throws IllegalArgumentException when the subject is not a valid publish subject
     * @throws IllegalStateException when this handle is closed
     * @throws NatsException when the NATS client refuses the message
     */
    default void publish(String subject, com.google.protobuf.Message message) {
        publish(subject, null, message);
    }

    /**
     * Publishes a protobuf message with the application's headers plus the two protobuf headers.
     *
     * @param subject a NATS subject without wildcards
     * @param headers more headers, may be {@code null}; not modified
     * @param message the message
     * @throws IllegalArgumentException when the subject is not a valid publish subject
     * @throws IllegalStateException when this handle is closed
     * @throws NatsException when the NATS client refuses the message
     */
    void publish(String subject, Headers headers, com.google.protobuf.Message message);

    /**
     * Returns the handle to the pool. Closing twice is harmless.
     */
    @Override
    void close();
}
