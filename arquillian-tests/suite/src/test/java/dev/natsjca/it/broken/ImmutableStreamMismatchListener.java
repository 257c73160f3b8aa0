package dev.natsjca.it.broken;

import dev.natsjca.api.NatsMessage;
import dev.natsjca.api.NatsMessageListener;
import jakarta.ejb.ActivationConfigProperty;
import jakarta.ejb.MessageDriven;

/**
 * Declares its stream with file storage; the test has created that stream with memory storage,
 * which an existing stream cannot change: the deployment must fail, naming setting and values.
 */
@MessageDriven(messageListenerInterface = NatsMessageListener.class, activationConfig = {
        @ActivationConfigProperty(propertyName = "subject", propertyValue = "declared.in"),
        @ActivationConfigProperty(propertyName = "stream", propertyValue = ImmutableStreamMismatchListener.STREAM),
        @ActivationConfigProperty(propertyName = "streamDeclaration", propertyValue = "ensure"),
        @ActivationConfigProperty(propertyName = "streamSubjects", propertyValue = "declared.>"),
        @ActivationConfigProperty(propertyName = "streamStorage", propertyValue = "file"),
        @ActivationConfigProperty(propertyName = "streamMaxAge", propertyValue = "PT1H") })
public class ImmutableStreamMismatchListener implements NatsMessageListener {

    public static final String STREAM = "DECLARED";

    @Override
    public void onMessage(NatsMessage message) {
        throw new AssertionError("never activated");
    }
}
