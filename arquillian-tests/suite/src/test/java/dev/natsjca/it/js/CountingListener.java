package dev.natsjca.it.js;

import dev.natsjca.api.NatsMessage;
import dev.natsjca.api.NatsMessageListener;
import jakarta.ejb.ActivationConfigProperty;
import jakarta.ejb.MessageDriven;

/** Consumes stream JSIT (created at activation) through durable js-counter, four at a time. */
@MessageDriven(messageListenerInterface = NatsMessageListener.class, activationConfig = {
        @ActivationConfigProperty(propertyName = "subject", propertyValue = "jsit.in"),
        @ActivationConfigProperty(propertyName = "stream", propertyValue = "JSIT"),
        @ActivationConfigProperty(propertyName = "durable", propertyValue = "js-counter"),
        @ActivationConfigProperty(propertyName = "streamDeclaration", propertyValue = "ensure"),
        @ActivationConfigProperty(propertyName = "maxConcurrency", propertyValue = "4") })
public class CountingListener implements NatsMessageListener {

    @Override
    public void onMessage(NatsMessage message) {
        if (message.data().length == 0) {
            throw new IllegalStateException("empty work item");
        }
    }
}
