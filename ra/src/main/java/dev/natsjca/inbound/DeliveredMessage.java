package dev.natsjca.inbound;

import java.time.Instant;

import dev.natsjca.api.NatsMessage;
import dev.natsjca.payload.Protobuf;
import io.nats.client.Message;
import io.nats.client.impl.Headers;

/**
 * A received jnats message as endpoints see it, and what its delivery came to: the activations
 * settle it with what the endpoint returned (a service endpoint's reply) and when it started.
 */
public final class DeliveredMessage implements NatsMessage {

    private static final byte[] EMPTY = new byte[0];
    private static final Headers NO_HEADERS = new Headers(null, true);

    private final Message message;
    private final long startedNanos = System.nanoTime();
    private volatile boolean terminated;
    /** What the endpoint's method returned; set on the delivering thread before the settlement. */
    private volatile Object returned;
    private volatile Throwable thrown;
    /** The read-only copy {@link #headers()} hands out, made at its first call: one copy per message at most. */
    private Headers readOnlyHeaders;

    DeliveredMessage(Message message) {
        this.message = message;
    }

    @Override
    public String subject() {
        return message.getSubject();
    }

    @Override
    public String replyTo() {
        return message.getReplyTo();
    }

    @Override
    public Headers headers() {
        Headers h = readOnlyHeaders;
        if (h == null) {
            Headers received = message.getHeaders();
            h = received == null ? NO_HEADERS : received.isReadOnly() ? received : new Headers(received, true);
            readOnlyHeaders = h; // a race makes at most an equal second copy
        }
        return h;
    }

    @Override
    public byte[] data() {
        byte[] d = message.getData();
        return d == null ? EMPTY : d;
    }

    @Override
    public boolean isJetStream() {
        return message.isJetStream();
    }

    @Override
    public String stream() {
        return message.isJetStream() ? message.metaData().getStream() : null;
    }

    @Override
    public long streamSequence() {
        return message.isJetStream() ? message.metaData().streamSequence() : 0;
    }

    @Override
    public long consumerSequence() {
        return message.isJetStream() ? message.metaData().consumerSequence() : 0;
    }

    @Override
    public long deliveryCount() {
        return message.isJetStream() ? message.metaData().deliveredCount() : 1;
    }

    @Override
    public Instant timestamp() {
        return message.isJetStream() ? message.metaData().timestamp().toInstant() : null;
    }

    @Override
    public void inProgress() {
        jetStreamOnly("inProgress");
        message.inProgress();
    }

    @Override
    public void term() {
        jetStreamOnly("term");
        terminated = true;
        message.term();
    }

    /** @return the jnats message */
    public Message message() {
        return message;
    }

    /** @return what the endpoint's method returned ({@code null} for {@code onMessage}) */
    public Object returned() {
        return returned;
    }

    void returned(Object value) {
        this.returned = value;
    }

    /** @return what the endpoint's method threw (or what made its result unusable), or {@code null} */
    public Throwable thrown() {
        return thrown;
    }

    void thrown(Throwable t) {
        this.thrown = t;
    }

    /** @return {@link System#nanoTime()} when the delivery started */
    public long startedNanos() {
        return startedNanos;
    }

    /** @return whether the endpoint terminated the message itself */
    boolean terminated() {
        return terminated;
    }

    private void jetStreamOnly(String operation) {
        if (!message.isJetStream()) {
            throw new IllegalStateException(operation + "() applies to JetStream messages only; this one came "
                    + "from core NATS subject '" + message.getSubject() + "'");
        }
    }

    @Override
    public <T extends com.google.protobuf.Message> T payload(Class<T> type) {
        return Protobuf.parse(subject(), message.getHeaders(), data(), type);
    }

    @Override
    public String toString() {
        return "NatsMessage[subject=" + subject() + ", replyTo=" + replyTo() + ", bytes=" + data().length + "]";
    }
}
