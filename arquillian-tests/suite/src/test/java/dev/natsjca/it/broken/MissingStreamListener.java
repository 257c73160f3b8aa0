package dev.natsjca.it.broken;

import dev.natsjca.api.NatsMessage;
import dev.natsjca.api.NatsMessageListener;
import jakarta.ejb.ActivationConfigProperty;
import jakarta.ejb.MessageDriven;

/** A JetStream message-driven bean with a stream that does not exist, without streamDeclaration=ensure: its deployment must fail, naming it. */
@MessageDriven(messageListenerInterface = NatsMessageListener.class, activationConfig = {
        @ActivationConfigProperty(propertyName = "subject", propertyValue = "broken.in"),
        @ActivationConfigProperty(propertyName = "stream", propertyValue = MissingStreamListener.BAD_VALUE) })
public class MissingStreamListener implements NatsMessageListener {

    public static final String BAD_VALUE = "NO_SUCH_STREAM";

    @Override
    public void onMessage(NatsMessage message) {
        throw new AssertionError("never activated");
    }
}
