package dev.natsjca.it.broken;

import dev.natsjca.api.NatsMessage;
import dev.natsjca.api.NatsMessageListener;
import jakarta.ejb.ActivationConfigProperty;
import jakarta.ejb.MessageDriven;
import org.jboss.ejb3.annotation.ResourceAdapter;

/** A message-driven bean with a malformed subject: its deployment must fail, naming it. */
@MessageDriven(messageListenerInterface = NatsMessageListener.class, activationConfig = {
        @ActivationConfigProperty(propertyName = "subject", propertyValue = BadSubjectListener.BAD_SUBJECT) })
@ResourceAdapter("#nats-ra.rar")
public class BadSubjectListener implements NatsMessageListener {

    public static final String BAD_SUBJECT = "orders..placed";

    @Override
    public void onMessage(NatsMessage message) {
        throw new AssertionError("never activated");
    }
}
