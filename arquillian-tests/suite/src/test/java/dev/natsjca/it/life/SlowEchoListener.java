package dev.natsjca.it.life;

import java.util.concurrent.locks.LockSupport;

import dev.natsjca.api.NatsConnection;
import dev.natsjca.api.NatsConnectionFactory;
import dev.natsjca.api.NatsMessage;
import dev.natsjca.api.NatsMessageListener;
import jakarta.annotation.Resource;
import jakarta.ejb.ActivationConfigProperty;
import jakarta.ejb.MessageDriven;

/**
 * A slow JetStream MDB (20 ms of work per message, one at a time) pulling batches of 50 with an
 * ackWait of a minute: at any moment it holds many messages received but not yet delivered, which
 * an undeploy must give back at once rather than leave for the ackWait. Echoes each input into
 * the same stream in the transaction that acks it.
 */
@MessageDriven(messageListenerInterface = NatsMessageListener.class, activationConfig = {
        @ActivationConfigProperty(propertyName = "subject", propertyValue = "jsith.in"),
        @ActivationConfigProperty(propertyName = "stream", propertyValue = "JSITH"),
        @ActivationConfigProperty(propertyName = "durable", propertyValue = "js-slow"),
        @ActivationConfigProperty(propertyName = "streamDeclaration", propertyValue = "ensure"),
        @ActivationConfigProperty(propertyName = "streamSubjects", propertyValue = "jsith.>"),
        @ActivationConfigProperty(propertyName = "batchSize", propertyValue = "50"),
        @ActivationConfigProperty(propertyName = "ackWait", propertyValue = "60000") })
public class SlowEchoListener implements NatsMessageListener {

    @Resource(name = "nats/ConnectionFactory")
    private NatsConnectionFactory nats;

    @Override
    public void onMessage(NatsMessage message) {
        LockSupport.parkNanos(20_000_000L); // the work takes a while
        try (NatsConnection c = nats.getConnection()) {
            c.jetStreamPublish("jsith.seen", null, message.data(), null);
        }
    }
}
