package dev.natsjca.api;

import io.nats.client.impl.Headers;

/**
 * A handle on a pooled NATS connection. Handles are cheap: take one, publish, close it.
 * A handle is meant for the thread that obtained it; after {@link #close()} every method throws
 * {@link IllegalStateException}.
 *
 * <p>A publish outside a transaction is handed to the NATS client at once (the client writes it
 * to the socket asynchronously; during a reconnect it is held in the client's reconnect buffer).
 * Inside a JTA transaction, publishes (core and JetStream) are staged and sent when the
 * transaction commits, in order; a rollback sends nothing; a send that fails rolls the
 * transaction back. Requests and key-value calls are never staged.
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
     * Publishes to a JetStream stream and waits for the stream's acknowledgement. The message
     * always carries a {@code Nats-Msg-Id}: the one in {@code options} or in {@code headers}, else a
     * generated one, so that the stream's duplicate window can drop a repeated publish.
     *
     * @param subject a subject bound to a stream
     * @param headers headers, may be {@code null}; not modified
     * @param data the payload
     * @param options jnats publish options (message id, expected last subject sequence, expected
     *        stream, stream timeout), may be {@code null}
     * @return the acknowledgement (stream, sequence, duplicate flag): complete on return outside a
     *         transaction; inside one the message is staged and this completes when the transaction
     *         commits (exceptionally when it rolls back)
     * @throws NatsExpectedSequenceException when the expected last subject sequence does not match
     * @throws NatsException when no stream acknowledges within the timeout or the stream refuses
     * @throws IllegalStateException when this handle is closed
     */
    java.util.concurrent.CompletionStage<io.nats.client.api.PublishAck> jetStreamPublish(String subject,
            Headers headers, byte[] data, io.nats.client.PublishOptions options);

    /**
     * {@link #jetStreamPublish(String, Headers, byte[], io.nats.client.PublishOptions)} of a protobuf
     * message, with the application's headers plus the two protobuf headers (as
     * {@link #publish(String, Headers, com.google.protobuf.Message)} adds them).
     *
     * @param subject a subject bound to a stream
     * @param headers more headers, may be {@code null}; not modified
     * @param message the message
     * @param options jnats publish options, may be {@code null}
     * @return the acknowledgement, as for the byte-array form
     */
    java.util.concurrent.CompletionStage<io.nats.client.api.PublishAck> jetStreamPublish(String subject,
            Headers headers, com.google.protobuf.Message message, io.nats.client.PublishOptions options);

    /**
     * Sends a request and waits for the first reply. Never staged: it runs at once, also inside a
     * transaction.
     *
     * @param subject the service's subject
     * @param headers headers, may be {@code null}
     * @param data the request payload
     * @param timeout how long to wait for the reply
     * @return the reply
     * @throws NatsTimeoutException when no reply arrives within the timeout
     * @throws IllegalStateException when this handle is closed
     */
    io.nats.client.Message request(String subject, Headers headers, byte[] data, java.time.Duration timeout);

    /**
     * @param bucket an existing key-value bucket
     * @return jnats' view of the bucket, on this handle's physical connection: use it only while
     *         the handle is open (after {@link #close()} the connection serves someone else)
     * @throws IllegalStateException when this handle is closed
     */
    io.nats.client.KeyValue keyValue(String bucket);

    /**
     * Like {@link #keyValue(String)}, with jnats options, e.g. an explicit request timeout
     * ({@code KeyValueOptions.builder().jsRequestTimeout(...)}) instead of the connection's timeout.
     *
     * @param bucket an existing key-value bucket
     * @param options jnats key-value options, may be {@code null} for the defaults
     * @return jnats' view of the bucket, on this handle's physical connection: use it only while
     *         the handle is open
     * @throws NatsException when the bucket cannot be looked up (it does not exist, no answer in time)
     * @throws IllegalStateException when this handle is closed
     */
    io.nats.client.KeyValue keyValue(String bucket, io.nats.client.KeyValueOptions options);

    /**
     * @return jnats' key-value management (create, update, delete buckets); valid while the handle is open
     * @throws IllegalStateException when this handle is closed
     */
    io.nats.client.KeyValueManagement keyValueManagement();

    /**
     * @param options jnats key-value options (e.g. the request timeout), may be {@code null} for the defaults
     * @return jnats' key-value management with these options; valid while the handle is open
     * @throws IllegalStateException when this handle is closed
     */
    io.nats.client.KeyValueManagement keyValueManagement(io.nats.client.KeyValueOptions options);

    /**
     * @return jnats' JetStream management (streams, consumers); valid while the handle is open
     * @throws IllegalStateException when this handle is closed
     */
    io.nats.client.JetStreamManagement jetStreamManagement();

    /**
     * Returns the handle to the pool. Closing twice is harmless.
     */
    @Override
    void close();
}
