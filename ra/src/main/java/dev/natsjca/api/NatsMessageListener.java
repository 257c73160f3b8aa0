package dev.natsjca.api;

/**
 * The message-listener interface of message-driven beans that consume from NATS.
 *
 * <pre>{@code
 * @MessageDriven(activationConfig = {
 *     @ActivationConfigProperty(propertyName = "subject", propertyValue = "orders.placed") })
 * public class OrderAuditor implements NatsMessageListener {
 *     public void onMessage(NatsMessage m) { ... }
 * }
 * }</pre>
 */
public interface NatsMessageListener {

    /**
     * Called once per delivered message, on a thread of the server's work manager.
     *
     * @param message the message; valid only for the duration of the call
     */
    void onMessage(NatsMessage message);
}
