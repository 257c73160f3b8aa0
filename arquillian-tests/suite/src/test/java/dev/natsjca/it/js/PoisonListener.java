package dev.natsjca.it.js;

import java.nio.charset.StandardCharsets;

import dev.natsjca.api.NatsMessage;
import dev.natsjca.api.NatsMessageListener;
import jakarta.ejb.ActivationConfigProperty;
import jakarta.ejb.MessageDriven;

/** Always fails on "poison": after maxDeliver 3 attempts it must land on jsitp.dlq, in its own stream. */
@MessageDriven(messageListenerInterface = NatsMessageListener.class, activationConfig = {
        @ActivationConfigProperty(propertyName = "subject", propertyValue = "jsitp.in"),
        @ActivationConfigProperty(propertyName = "stream", propertyValue = "JSITP"),
        @ActivationConfigProperty(propertyName = "durable", propertyValue = "js-poison"),
        @ActivationConfigProperty(propertyName = "streamDeclaration", propertyValue = "ensure"),
        @ActivationConfigProperty(propertyName = "streamSubjects", propertyValue = "jsitp.>"),
        @ActivationConfigProperty(propertyName = "maxDeliver", propertyValue = "3"),
        @ActivationConfigProperty(propertyName = "backoff", propertyValue = "100"),
        @ActivationConfigProperty(propertyName = "deadLetterSubject", propertyValue = "jsitp.dlq") })
public class PoisonListener implements NatsMessageListener {

    @Override
    public void onMessage(NatsMessage message) {
        if ("poison".equals(new String(message.data(), StandardCharsets.UTF_8))) {
            throw new IllegalArgumentException("poison cannot be processed");
        }
    }
}
