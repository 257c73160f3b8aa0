package dev.natsjca.it.life;

import dev.natsjca.api.NatsConnection;
import dev.natsjca.api.NatsConnectionFactory;
import dev.natsjca.api.NatsMessage;
import dev.natsjca.api.NatsMessageListener;
import jakarta.annotation.Resource;
import jakarta.ejb.ActivationConfigProperty;
import jakarta.ejb.MessageDriven;

/**
 * Container-managed (REQUIRED) MDB on durable js-echo of stream JSITR: for each input it stores an
 * echo in the same stream (jsitr.seen) in the same transaction, so the test reads, from the stream
 * alone, what was processed and how often, also across a nats-server restart.
 */
@MessageDriven(messageListenerInterface = NatsMessageListener.class, activationConfig = {
        @ActivationConfigProperty(propertyName = "subject", propertyValue = "jsitr.in"),
        @ActivationConfigProperty(propertyName = "stream", propertyValue = "JSITR"),
        @ActivationConfigProperty(propertyName = "durable", propertyValue = "js-echo"),
        @ActivationConfigProperty(propertyName = "streamDeclaration", propertyValue = "ensure"),
        @ActivationConfigProperty(propertyName = "streamSubjects", propertyValue = "jsitr.>"),
        @ActivationConfigProperty(propertyName = "maxConcurrency", propertyValue = "2"),
        @ActivationConfigProperty(propertyName = "ackWait", propertyValue = "3000"),
        @ActivationConfigProperty(propertyName = "maxDeliver", propertyValue = "100"),
        @ActivationConfigProperty(propertyName = "backoff", propertyValue = "200") })
public class EchoListener implements NatsMessageListener {

    @Resource(name = "nats/ConnectionFactory")
    private NatsConnectionFactory nats;

    @Override
    public void onMessage(NatsMessage message) {
        try (NatsConnection c = nats.getConnection()) {
            c.jetStreamPublish("jsitr.seen", null, message.data(), null);
        }
    }
}
