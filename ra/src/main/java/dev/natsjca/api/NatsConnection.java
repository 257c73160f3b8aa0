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
     * Returns the handle to the pool. Closing twice is harmless.
     */
    @Override
    void close();
}
