package dev.natsjca.sample;

import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;

import dev.natsjca.api.NatsMessage;
import dev.natsjca.api.NatsMessageListener;
import io.nats.client.impl.Headers;
import jakarta.ejb.ActivationConfigProperty;
import jakarta.ejb.EJB;
import jakarta.ejb.MessageDriven;

/**
 * Consumes greetings, logs each one, and confirms it on {@value SampleSubjects#GREETINGS_RECEIVED}
 * with the same payload, so that anyone can watch the round trip over NATS.
 */
@MessageDriven(messageListenerInterface = NatsMessageListener.class, activationConfig = {
        @ActivationConfigProperty(propertyName = "subject", propertyValue = SampleSubjects.GREETINGS),
        @ActivationConfigProperty(propertyName = "connectionName", propertyValue = "sample greetings") })
public class GreetingListener implements NatsMessageListener {

    private static final System.Logger LOG = System.getLogger(GreetingListener.class.getName());

    @EJB
    private Publisher publisher;

    @Override
    public void onMessage(NatsMessage message) {
        LOG.log(Level.INFO, "Received on {0}: {1}", message.subject(),
                new String(message.data(), StandardCharsets.UTF_8));
        Headers confirmation = new Headers()
                .put(SampleSubjects.HEADER_RECEIVED_SUBJECT, message.subject())
                .put(SampleSubjects.HEADER_NODE, Node.NAME);
        publisher.publish(SampleSubjects.GREETINGS_RECEIVED, confirmation, message.data());
    }
}
