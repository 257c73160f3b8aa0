package dev.natsjca.it.obs;

import java.nio.charset.StandardCharsets;

import dev.natsjca.api.NatsMessage;
import dev.natsjca.api.NatsMessageListener;
import jakarta.ejb.ActivationConfigProperty;
import jakarta.ejb.MessageDriven;

/** Consumes obs.in from stream OBS through durable obs-worker; a body "bad" always fails (2 attempts, then terminated). */
@MessageDriven(messageListenerInterface = NatsMessageListener.class, activationConfig = {
        @ActivationConfigProperty(propertyName = "subject", propertyValue = "obs.in"),
        @ActivationConfigProperty(propertyName = "stream", propertyValue = "OBS"),
        @ActivationConfigProperty(propertyName = "durable", propertyValue = "obs-worker"),
        @ActivationConfigProperty(propertyName = "streamDeclaration", propertyValue = "ensure"),
        @ActivationConfigProperty(propertyName = "maxDeliver", propertyValue = "2"),
        @ActivationConfigProperty(propertyName = "backoff", propertyValue = "10") })
public class ObservedListener implements NatsMessageListener {

    @Override
    public void onMessage(NatsMessage message) {
        if (new String(message.data(), StandardCharsets.UTF_8).equals("bad")) {
            throw new IllegalStateException("test: a bad work item");
        }
    }
}
