package dev.natsjca.it.broken;

import dev.natsjca.api.NatsMessage;
import dev.natsjca.api.NatsReply;
import dev.natsjca.api.NatsServiceListener;
import jakarta.ejb.ActivationConfigProperty;
import jakarta.ejb.MessageDriven;

/** A service name the service protocol does not allow (a dot): the deployment must fail. */
@MessageDriven(messageListenerInterface = NatsServiceListener.class, activationConfig = {
        @ActivationConfigProperty(propertyName = "subject", propertyValue = "broken.svc"),
        @ActivationConfigProperty(propertyName = "serviceName", propertyValue = BadServiceNameListener.BAD_VALUE),
        @ActivationConfigProperty(propertyName = "serviceVersion", propertyValue = "1.0.0") })
public class BadServiceNameListener implements NatsServiceListener {

    public static final String BAD_VALUE = "orders.v1";

    @Override
    public NatsReply onRequest(NatsMessage request) {
        return NatsReply.empty();
    }
}
