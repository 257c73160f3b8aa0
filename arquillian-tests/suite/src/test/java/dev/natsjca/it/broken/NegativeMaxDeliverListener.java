package dev.natsjca.it.broken;

import dev.natsjca.api.NatsMessage;
import dev.natsjca.api.NatsMessageListener;
import jakarta.ejb.ActivationConfigProperty;
import jakarta.ejb.MessageDriven;

/** A JetStream message-driven bean with a negative maxDeliver: its deployment must fail, naming it. */
@MessageDriven(messageListenerInterface = NatsMessageListener.class, activationConfig = {
        @ActivationConfigProperty(propertyName = "subject", propertyValue = "broken.in"),
        @ActivationConfigProperty(propertyName = "stream", propertyValue = "JSIT"),
        @ActivationConfigProperty(propertyName = "maxDeliver", propertyValue = NegativeMaxDeliverListener.BAD_VALUE) })
public class NegativeMaxDeliverListener implements NatsMessageListener {

    public static final String BAD_VALUE = "-1";

    @Override
    public void onMessage(NatsMessage message) {
        throw new AssertionError("never activated");
    }
}
