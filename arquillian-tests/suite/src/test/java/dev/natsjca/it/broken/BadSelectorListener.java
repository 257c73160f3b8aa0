package dev.natsjca.it.broken;

import dev.natsjca.api.NatsMessage;
import dev.natsjca.api.NatsMessageListener;
import jakarta.ejb.ActivationConfigProperty;
import jakarta.ejb.MessageDriven;

/**
 * A message-driven bean whose selector ends where an operand is expected: its deployment must
 * fail, naming the property, the value and the position.
 */
@MessageDriven(messageListenerInterface = NatsMessageListener.class, activationConfig = {
        @ActivationConfigProperty(propertyName = "subject", propertyValue = "broken.in"),
        @ActivationConfigProperty(propertyName = "selector", propertyValue = BadSelectorListener.BAD_VALUE) })
public class BadSelectorListener implements NatsMessageListener {

    public static final String BAD_VALUE = "region = 'eu' AND";

    @Override
    public void onMessage(NatsMessage message) {
        throw new AssertionError("never activated");
    }
}
