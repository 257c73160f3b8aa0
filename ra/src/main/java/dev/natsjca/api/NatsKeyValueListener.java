package dev.natsjca.api;

/**
 * The message-listener interface of message-driven beans that follow a NATS key-value bucket:
 * one call per change (a put, a delete or a purge) of a key matching the activation's
 * {@code keys}, in revision order while none fails. Delivery is at-least-once, like any JetStream
 * activation's: the change is acknowledged when the call returns (a container-managed bean: when
 * its transaction commits), redelivered with the {@code backoff} when it throws, and after
 * {@code maxDeliver} attempts moved to the {@code deadLetterSubject}. A redelivered change may
 * come after later changes of its key: apply a change only when its {@link NatsKeyValueChange#revision()}
 * is newer than the one held for the key (deletes included), as the example does. A
 * {@code durable} watch resumes, after a restart, with the first change it had not acknowledged.
 *
 * <pre>{@code
 * @MessageDriven(messageListenerInterface = NatsKeyValueListener.class, activationConfig = {
 *     @ActivationConfigProperty(propertyName = "bucket",        propertyValue = "prices"),
 *     @ActivationConfigProperty(propertyName = "keys",          propertyValue = "eu.>"),
 *     @ActivationConfigProperty(propertyName = "keyValueStart", propertyValue = "lastValue") })
 * public class PriceCache implements NatsKeyValueListener {
 *     public void onChange(NatsKeyValueChange change) {
 *         switch (change.operation()) {
 *             case PUT -> cache.putIfNewer(change.key(), change.value(), change.revision());
 *             case DELETE, PURGE -> cache.removeIfNewer(change.key(), change.revision());
 *         }
 *     }
 * }
 * }</pre>
 */
public interface NatsKeyValueListener {

    /**
     * Called once per change, on a thread of the server's work manager.
     *
     * @param change the change; valid only for the duration of the call
     */
    void onChange(NatsKeyValueChange change);
}
