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
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;

/**
 * A non-transacted MDB that reports every attempt at once (core NATS, jsitf.attempts) and fails the
 * first two attempts of messages starting with "flaky": they must come back after the configured
 * backoff (300 ms, then 600 ms) and then be acked.
 */
@MessageDriven(messageListenerInterface = NatsMessageListener.class, activationConfig = {
        @ActivationConfigProperty(propertyName = "subject", propertyValue = "jsitf.in"),
        @ActivationConfigProperty(propertyName = "stream", propertyValue = "JSITF"),
        @ActivationConfigProperty(propertyName = "durable", propertyValue = "js-flaky"),
        @ActivationConfigProperty(propertyName = "streamDeclaration", propertyValue = "ensure"),
        @ActivationConfigProperty(propertyName = "maxDeliver", propertyValue = "5"),
        @ActivationConfigProperty(propertyName = "backoff", propertyValue = "300,600") })
@TransactionAttribute(TransactionAttributeType.NOT_SUPPORTED)
public class FlakyListener implements NatsMessageListener {

    @Resource(name = "nats/ConnectionFactory")
    private NatsConnectionFactory nats;

    @Override
    public void onMessage(NatsMessage message) {
        try (NatsConnection c = nats.getConnection()) {
            c.publish("jsitf.attempts", new Headers().put("Delivery", Long.toString(message.deliveryCount())),
                    message.data());
        }
        if (new String(message.data(), StandardCharsets.UTF_8).startsWith("flaky") && message.deliveryCount() <= 2) {
            throw new IllegalStateException("not yet");
        }
    }
}
