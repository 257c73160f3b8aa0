package dev.natsjca.outbound;

import java.time.Duration;
import java.util.concurrent.CompletionStage;

import dev.natsjca.api.NatsConnection;
import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.KeyValue;
import io.nats.client.KeyValueManagement;
import io.nats.client.KeyValueOptions;
import io.nats.client.Message;
import io.nats.client.PublishOptions;
import io.nats.client.api.PublishAck;
import dev.natsjca.payload.Protobuf;
import io.nats.client.impl.Headers;

/**
 * The application's view of a pooled connection. Cheap; meant for one thread; unusable after
 * {@link #close()} or after the server cleaned up its managed connection.
 */
public final class NatsConnectionHandle implements NatsConnection {

    private volatile NatsManagedConnection managed;
    private volatile boolean closed;
    /** Why the server made this handle unusable, for the exception; {@code null} when closed by the application. */
    private volatile String invalidated;

    NatsConnectionHandle(NatsManagedConnection managed) {
        this.managed = managed;
    }

    @Override
    public void publish(String subject, byte[] data) {
        publish(subject, null, data);
    }

    @Override
    public void publish(String subject, Headers headers, byte[] data) {
        live().publish(subject, headers, data);
    }

    @Override
    public void publish(String subject, Headers headers, com.google.protobuf.Message message) {
        publish(subject, Protobuf.headersFor(headers, message), message.toByteArray());
    }

    @Override
    public CompletionStage<PublishAck> jetStreamPublish(String subject, Headers headers,
                                                        com.google.protobuf.Message message, PublishOptions options) {
        return jetStreamPublish(subject, Protobuf.headersFor(headers, message), message.toByteArray(), options);
    }

    @Override
    public CompletionStage<PublishAck> jetStreamPublish(String subject, Headers headers, byte[] data,
                                                        PublishOptions options) {
        return live().jetStreamPublish(subject, headers, data, options).minimalCompletionStage();
    }

    @Override
    public Message request(String subject, Headers headers, byte[] data, Duration timeout) {
        return live().request(subject, headers, data, timeout);
    }

    @Override
    public KeyValue keyValue(String bucket) {
        NatsManagedConnection mc = live();
        return mc.management("key-value bucket '" + bucket + "'", c -> c.keyValue(bucket));
    }

    @Override
    public KeyValue keyValue(String bucket, KeyValueOptions options) {
        NatsManagedConnection mc = live();
        return mc.management("key-value bucket '" + bucket + "'", c -> c.keyValue(bucket, options));
    }

    @Override
    public KeyValueManagement keyValueManagement() {
        return live().management("key-value management", Connection::keyValueManagement);
    }

    @Override
    public KeyValueManagement keyValueManagement(KeyValueOptions options) {
        return live().management("key-value management", c -> c.keyValueManagement(options));
    }

    @Override
    public JetStreamManagement jetStreamManagement() {
        return live().management("JetStream management", Connection::jetStreamManagement);
    }

    @Override
    public void close() {
        NatsManagedConnection mc = managed;
        if (closed || mc == null) {
            closed = true;
            return;
        }
        closed = true;
        managed = null;
        mc.handleClosed(this);
    }

    /**
     * Called by the managed connection on cleanup or destroy: the handle becomes unusable.
     *
     * @param why for the exception its next use throws
     */
    void invalidate(String why) {
        invalidated = why;
        closed = true;
        managed = null;
    }

    /** Moves this handle to another managed connection (connection sharing / lazy association). */
    NatsManagedConnection reassign(NatsManagedConnection to) {
        NatsManagedConnection previous = managed;
        managed = to;
        closed = false;
        invalidated = null;
        return previous;
    }

    private NatsManagedConnection live() {
        NatsManagedConnection mc = managed;
        if (closed || mc == null) {
            String why = invalidated;
            throw new IllegalStateException("This NATS connection handle is closed" + (why == null ? "" : ": " + why)
                    + "; get a new one from the NatsConnectionFactory");
        }
        return mc;
    }

    @Override
    public String toString() {
        return "NatsConnection[" + (closed ? "closed" : "open") + "]";
    }
}
