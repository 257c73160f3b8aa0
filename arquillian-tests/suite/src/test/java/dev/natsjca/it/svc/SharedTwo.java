package dev.natsjca.it.svc;

import dev.natsjca.api.NatsMessage;
import dev.natsjca.api.NatsReply;
import dev.natsjca.api.NatsServiceListener;
import jakarta.ejb.ActivationConfigProperty;
import jakarta.ejb.MessageDriven;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;

/** One of two endpoints of service svcit in queue group svcit-shared: answers who it is. */
@MessageDriven(messageListenerInterface = NatsServiceListener.class, activationConfig = {
        @ActivationConfigProperty(propertyName = "subject", propertyValue = "svcit.shared"),
        @ActivationConfigProperty(propertyName = "queueGroup", propertyValue = "svcit-shared"),
        @ActivationConfigProperty(propertyName = "serviceName", propertyValue = "svcit"),
        @ActivationConfigProperty(propertyName = "serviceVersion", propertyValue = "1.0.0"),
        @ActivationConfigProperty(propertyName = "endpointName", propertyValue = "shared-two") })
@TransactionAttribute(TransactionAttributeType.NOT_SUPPORTED)
public class SharedTwo implements NatsServiceListener {

    @Override
    public NatsReply onRequest(NatsMessage request) {
        return NatsReply.of("two");
    }
}
