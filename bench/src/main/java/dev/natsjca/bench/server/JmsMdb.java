package dev.natsjca.bench.server;

import jakarta.ejb.ActivationConfigProperty;
import jakarta.ejb.MessageDriven;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;
import jakarta.jms.JMSDestinationDefinition;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.MessageListener;

/** Benchmark receiver 'jms' on WildFly's built-in Artemis: records each message's latency. */
// On the MDB itself: Payara's JMS adapter looks the destination up when it activates this bean,
// before definitions elsewhere in the module exist.
@JMSDestinationDefinition(name = Control.JMS_QUEUE, interfaceName = "jakarta.jms.Queue", destinationName = "benchJms")
@MessageDriven(activationConfig = {
        @ActivationConfigProperty(propertyName = "destinationLookup", propertyValue = Control.JMS_QUEUE),
        @ActivationConfigProperty(propertyName = "destinationType", propertyValue = "jakarta.jms.Queue"),
        @ActivationConfigProperty(propertyName = "maxSession", propertyValue = "4") })
@TransactionAttribute(TransactionAttributeType.NOT_SUPPORTED)
public class JmsMdb implements MessageListener {

    @Override
    public void onMessage(Message message) {
        try {
            Stats.arrived("jms", message.getLongProperty("BenchSent"));
        } catch (JMSException e) {
            throw new IllegalStateException(e);
        }
    }
}
