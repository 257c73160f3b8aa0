package dev.natsjca.it.life;

import com.google.protobuf.Timestamp;

import dev.natsjca.api.NatsMessage;
import dev.natsjca.api.NatsMessageListener;
import jakarta.ejb.ActivationConfigProperty;
import jakarta.ejb.MessageDriven;

/**
 * Parses every payload as a protobuf {@link Timestamp}: a malformed payload or one that names
 * another type fails like any exception, is redelivered to maxDeliver 3, then dead-lettered to
 * jsitx.dlq with the parse error as the reason.
 */
@MessageDriven(messageListenerInterface = NatsMessageListener.class, activationConfig = {
        @ActivationConfigProperty(propertyName = "subject", propertyValue = "jsitx.in"),
        @ActivationConfigProperty(propertyName = "stream", propertyValue = "JSITX"),
        @ActivationConfigProperty(propertyName = "durable", propertyValue = "js-parse"),
        @ActivationConfigProperty(propertyName = "streamDeclaration", propertyValue = "ensure"),
        @ActivationConfigProperty(propertyName = "streamSubjects", propertyValue = "jsitx.>"),
        @ActivationConfigProperty(propertyName = "maxDeliver", propertyValue = "3"),
        @ActivationConfigProperty(propertyName = "backoff", propertyValue = "100"),
        @ActivationConfigProperty(propertyName = "deadLetterSubject", propertyValue = "jsitx.dlq") })
public class ParseListener implements NatsMessageListener {

    @Override
    public void onMessage(NatsMessage message) {
        if (message.payload(Timestamp.class).getSeconds() < 0) {
            throw new IllegalArgumentException("negative time");
        }
    }
}
