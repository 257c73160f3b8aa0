package dev.natsjca.it.broken;

import dev.natsjca.api.NatsMessage;
import dev.natsjca.api.NatsMessageListener;
import jakarta.ejb.ActivationConfigProperty;
import jakarta.ejb.MessageDriven;

/**
 * A message-driven bean with a malformed subject: its deployment must fail, naming it. Bound to
 * the adapter by the descriptors {@link dev.natsjca.it.InvalidActivationIT} adds.
 */
@MessageDriven(messageListenerInterface = NatsMessageListener.class, activationConfig = {
        @ActivationConfigProperty(propertyName = "subject", propertyValue = BadSubjectListener.BAD_SUBJECT) })
public class BadSubjectListener implements NatsMessageListener {

    public static final String BAD_SUBJECT = "orders..placed";

    @Override
    public void onMessage(NatsMessage message) {
        throw new AssertionError("never activated");
    }
}
