package dev.natsjca.api;

import java.util.List;

/**
 * The message-listener interface of message-driven beans that take messages in batches: one
 * call (and, for a container-managed bean, one transaction) for up to {@code maxBatchSize}
 * messages, whatever is waiting when a delivery starts, waiting at most {@code maxBatchWait} for
 * more. For JetStream the batch is settled as one: its transaction's commit (or the call's
 * return) acks every message, a rollback (or an exception) fails them — and a batch of several
 * that failed is delivered again one message at a time, at once, so that only the message that
 * fails alone is nak'ed (and, after {@code maxDeliver} attempts, dead-lettered) while the others
 * are processed.
 *
 * <pre>{@code
 * @MessageDriven(messageListenerInterface = NatsBatchListener.class, activationConfig = {
 *     @ActivationConfigProperty(propertyName = "subject",      propertyValue = "orders.placed"),
 *     @ActivationConfigProperty(propertyName = "stream",       propertyValue = "ORDERS"),
 *     @ActivationConfigProperty(propertyName = "durable",      propertyValue = "order-batches"),
 *     @ActivationConfigProperty(propertyName = "maxBatchSize", propertyValue = "100") })
 * public class OrderBatches implements NatsBatchListener {
 *     public void onMessages(List<NatsMessage> batch) { ... }
 * }
 * }</pre>
 */
public interface NatsBatchListener {

    /**
     * Called once per batch, on a thread of the server's work manager.
     *
     * @param messages at least one, in the order they arrived; valid only for the duration of the call
     */
    void onMessages(List<NatsMessage> messages);
}
