package dev.natsjca.inbound.kv;

import java.time.Instant;

import dev.natsjca.api.NatsKeyValueChange;
import dev.natsjca.inbound.DeliveredMessage;
import dev.natsjca.payload.Protobuf;
import io.nats.client.api.KeyValueOperation;
import io.nats.client.support.NatsKeyValueUtil;

/** A message of a bucket's stream as the change a {@code NatsKeyValueListener} sees. */
public final class KeyValueChange implements NatsKeyValueChange {

    private static final byte[] EMPTY = new byte[0];

    private final KeyValueWatch watch;
    private final DeliveredMessage message;
    private final KeyValueOperation operation;

    /**
     * @param watch the activation's watch
     * @param message a message of the bucket's stream
     */
    public KeyValueChange(KeyValueWatch watch, DeliveredMessage message) {
        this.watch = watch;
        this.message = message;
        this.operation = NatsKeyValueUtil.getOperation(message.headers());
    }

    @Override
    public String bucket() {
        return watch.bucket();
    }

    @Override
    public String key() {
        return watch.keyOf(message.subject());
    }

    @Override
    public long revision() {
        return message.streamSequence();
    }

    @Override
    public KeyValueOperation operation() {
        return operation;
    }

    @Override
    public byte[] value() {
        return operation == KeyValueOperation.PUT ? message.data() : EMPTY;
    }

    @Override
    public <T extends com.google.protobuf.Message> T value(Class<T> type) {
        return Protobuf.parse(message.subject(), message.headers(), value(), type);
    }

    @Override
    public Instant created() {
        return message.timestamp();
    }

    @Override
    public long pending() {
        return message.message().metaData().pendingCount();
    }

    @Override
    public long deliveryCount() {
        return message.deliveryCount();
    }

    @Override
    public void inProgress() {
        message.inProgress();
    }

    @Override
    public String toString() {
        return "NatsKeyValueChange[bucket=" + bucket() + ", key=" + key() + ", revision=" + revision() + ", operation="
                + operation + ", bytes=" + value().length + "]";
    }
}
