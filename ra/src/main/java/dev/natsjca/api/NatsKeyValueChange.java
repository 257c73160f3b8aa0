package dev.natsjca.api;

import java.time.Instant;

import io.nats.client.api.KeyValueOperation;

/**
 * One change of a key in a NATS key-value bucket, as a {@link NatsKeyValueListener} receives it.
 */
public interface NatsKeyValueChange {

    /** @return the bucket */
    String bucket();

    /** @return the key that changed */
    String key();

    /**
     * @return the change's revision: its sequence in the bucket's stream, increasing with every
     *         change of any key of the bucket (so a revision seen before is a redelivery)
     */
    long revision();

    /** @return what happened: {@code PUT}, {@code DELETE} or {@code PURGE} */
    KeyValueOperation operation();

    /** @return the value put; an empty array for a delete or a purge */
    byte[] value();

    /**
     * Parses the value as a protobuf message, as {@link NatsMessage#payload(Class)} does.
     *
     * @throws NatsPayloadException when the value names another type or its bytes are malformed
     */
    <T extends com.google.protobuf.Message> T value(Class<T> type);

    /** @return when the bucket stored the change */
    Instant created();

    /** @return changes after this one that the watch had not received yet when it got this one */
    long pending();

    /** @return which delivery attempt this is, from 1 */
    long deliveryCount();

    /**
     * Tells the server that processing takes longer: the ack deadline ({@code ackWait}) starts over.
     */
    void inProgress();
}
