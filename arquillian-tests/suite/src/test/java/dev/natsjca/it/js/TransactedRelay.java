package dev.natsjca.it.js;

import java.nio.charset.StandardCharsets;

import dev.natsjca.api.NatsConnection;
import dev.natsjca.api.NatsConnectionFactory;
import dev.natsjca.api.NatsMessage;
import dev.natsjca.api.NatsMessageListener;
import io.nats.client.impl.Headers;
import jakarta.annotation.Resource;
import jakarta.ejb.ActivationConfigProperty;
import jakarta.ejb.MessageDriven;
import jakarta.ejb.MessageDrivenContext;

/**
 * A container-managed (REQUIRED) MDB that consumes from JetStream and publishes in the same
 * transaction; the first delivery of a "rollback-once" message rolls back (setRollbackOnly).
 */
@MessageDriven(messageListenerInterface = NatsMessageListener.class, activationConfig = {
        @ActivationConfigProperty(propertyName = "subject", propertyValue = "jsitt.in"),
        @ActivationConfigProperty(propertyName = "stream", propertyValue = "JSITT"),
        @ActivationConfigProperty(propertyName = "durable", propertyValue = "js-tx"),
        @ActivationConfigProperty(propertyName = "streamDeclaration", propertyValue = "ensure"),
        @ActivationConfigProperty(propertyName = "backoff", propertyValue = "100") })
public class TransactedRelay implements NatsMessageListener {

    @Resource(name = "nats/ConnectionFactory")
    private NatsConnectionFactory nats;

    @Resource
    private MessageDrivenContext context;

    @Override
    public void onMessage(NatsMessage message) {
        try (NatsConnection c = nats.getConnection()) {
            c.publish("jsitt.out", new Headers().put("Delivery", Long.toString(message.deliveryCount())),
                    message.data());
        }
        if (new String(message.data(), StandardCharsets.UTF_8).startsWith("rollback-once")
                && message.deliveryCount() == 1) {
            context.setRollbackOnly();
        }
    }
}
