package dev.natsjca.it.broken;

import dev.natsjca.api.NatsMessage;
import dev.natsjca.api.NatsMessageListener;
import jakarta.ejb.ActivationConfigProperty;
import jakarta.ejb.MessageDriven;

/** A JetStream message-driven bean with an unknown deliverPolicy: its deployment must fail, naming it. */
@MessageDriven(messageListenerInterface = NatsMessageListener.class, activationConfig = {
        @ActivationConfigProperty(propertyName = "subject", propertyValue = "broken.in"),
        @ActivationConfigProperty(propertyName = "stream", propertyValue = "JSIT"),
        @ActivationConfigProperty(propertyName = "deliverPolicy", propertyValue = UnknownDeliverPolicyListener.BAD_VALUE) })
public class UnknownDeliverPolicyListener implements NatsMessageListener {

    public static final String BAD_VALUE = "sometimes";

    @Override
    public void onMessage(NatsMessage message) {
        throw new AssertionError("never activated");
    }
}
