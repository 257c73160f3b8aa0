package dev.natsjca.leader;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;

import dev.natsjca.api.NatsConnection;
import io.nats.client.JetStreamManagement;
import io.nats.client.KeyValue;
import io.nats.client.KeyValueManagement;
import io.nats.client.KeyValueOptions;
import io.nats.client.Message;
import io.nats.client.PublishOptions;
import io.nats.client.api.PublishAck;
import io.nats.client.impl.Headers;

/**
 * A real connection handle with hooks around the key-value calls, so a test can see which calls
 * an election makes and stall one at a chosen point (a paused node) or let a rival act in between.
 */
final class InterceptingConnection implements NatsConnection {

    /** Runs after a key-value write returned, with the method name and its result. */
    interface AfterWrite {
        void run(String method, Object result) throws Exception;
    }

    private static final Set<String> WRITES = Set.of("create", "update", "put", "delete", "purge");

    private final NatsConnection delegate;
    /** How many times a bucket view was asked for: every tick that talks to the server does. */
    final AtomicInteger keyValueLookups = new AtomicInteger();
    /** How many key-value writes (create, update, put, delete, purge) were sent. */
    final AtomicInteger writes = new AtomicInteger();
    volatile AfterWrite afterWrite = (method, result) -> { };
    volatile Runnable beforeBucketCreate = () -> { };
    /** Runs once the election's create of its bucket's stream returned or failed. */
    volatile Runnable afterBucketCreate = () -> { };

    InterceptingConnection(NatsConnection delegate) {
        this.delegate = delegate;
    }

    @Override
    public KeyValue keyValue(String bucket, KeyValueOptions options) {
        keyValueLookups.incrementAndGet();
        KeyValue real = delegate.keyValue(bucket, options);
        return (KeyValue) Proxy.newProxyInstance(KeyValue.class.getClassLoader(), new Class<?>[] {KeyValue.class},
                (proxy, method, args) -> {
                    boolean write = WRITES.contains(method.getName());
                    if (write) {
                        writes.incrementAndGet();
                    }
                    Object result = invoke(real, method, args);
                    if (write) {
                        afterWrite.run(method.getName(), result);
                    }
                    return result;
                });
    }

    @Override
    public KeyValueManagement keyValueManagement(KeyValueOptions options) {
        return delegate.keyValueManagement(options);
    }

    private static Object invoke(Object target, java.lang.reflect.Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    @Override
    public KeyValue keyValue(String bucket) {
        return keyValue(bucket, null);
    }

    @Override
    public KeyValueManagement keyValueManagement() {
        return keyValueManagement(null);
    }

    @Override
    public void publish(String subject, byte[] data) {
        delegate.publish(subject, data);
    }

    @Override
    public void publish(String subject, Headers headers, byte[] data) {
        delegate.publish(subject, headers, data);
    }

    @Override
    public void publish(String subject, Headers headers, com.google.protobuf.Message message) {
        delegate.publish(subject, headers, message);
    }

    @Override
    public CompletionStage<PublishAck> jetStreamPublish(String subject, Headers headers, byte[] data,
                                                        PublishOptions options) {
        return delegate.jetStreamPublish(subject, headers, data, options);
    }

    @Override
    public CompletionStage<PublishAck> jetStreamPublish(String subject, Headers headers,
                                                        com.google.protobuf.Message message, PublishOptions options) {
        return delegate.jetStreamPublish(subject, headers, message, options);
    }

    @Override
    public Message request(String subject, Headers headers, byte[] data, Duration timeout) {
        return delegate.request(subject, headers, data, timeout);
    }

    /** The election creates its bucket's stream through this, between {@link #beforeBucketCreate} and {@link #afterBucketCreate}. */
    @Override
    public JetStreamManagement jetStreamManagement() {
        JetStreamManagement real = delegate.jetStreamManagement();
        return (JetStreamManagement) Proxy.newProxyInstance(JetStreamManagement.class.getClassLoader(),
                new Class<?>[] {JetStreamManagement.class}, (proxy, method, args) -> {
                    if (!method.getName().equals("addStream")) {
                        return invoke(real, method, args);
                    }
                    beforeBucketCreate.run();
                    try {
                        return invoke(real, method, args);
                    } finally {
                        afterBucketCreate.run();
                    }
                });
    }

    @Override
    public void close() {
        delegate.close();
    }
}
