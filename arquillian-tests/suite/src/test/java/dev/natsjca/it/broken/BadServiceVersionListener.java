package dev.natsjca.it.broken;

import dev.natsjca.api.NatsMessage;
import dev.natsjca.api.NatsReply;
import dev.natsjca.api.NatsServiceListener;
import jakarta.ejb.ActivationConfigProperty;
import jakarta.ejb.MessageDriven;

/** A version that is not a semantic version: the deployment must fail. */
@MessageDriven(messageListenerInterface = NatsServiceListener.class, activationConfig = {
        @ActivationConfigProperty(propertyName = "subject", propertyValue = "broken.svc"),
        @ActivationConfigProperty(propertyName = "serviceName", propertyValue = "orders"),
        @ActivationConfigProperty(propertyName = "serviceVersion", propertyValue = BadServiceVersionListener.BAD_VALUE) })
public class BadServiceVersionListener implements NatsServiceListener {

    public static final String BAD_VALUE = "1.0";

    @Override
    public NatsReply onRequest(NatsMessage request) {
        return NatsReply.empty();
    }
}
