package dev.natsjca.it.life;

import dev.natsjca.api.NatsConnection;
import dev.natsjca.api.NatsConnectionFactory;
import dev.natsjca.api.NatsMessage;
import dev.natsjca.api.NatsMessageListener;
import io.nats.client.impl.Headers;
import jakarta.annotation.Resource;
import jakarta.ejb.ActivationConfigProperty;
import jakarta.ejb.MessageDriven;

/** One of two MDBs sharing durable js-share of stream JSITS; says who processed each message. */
@MessageDriven(messageListenerInterface = NatsMessageListener.class, activationConfig = {
        @ActivationConfigProperty(propertyName = "subject", propertyValue = "jsits.in"),
        @ActivationConfigProperty(propertyName = "stream", propertyValue = "JSITS"),
        @ActivationConfigProperty(propertyName = "durable", propertyValue = "js-share"),
        @ActivationConfigProperty(propertyName = "streamDeclaration", propertyValue = "ensure"),
        @ActivationConfigProperty(propertyName = "maxConcurrency", propertyValue = "2") })
public class ShareA implements NatsMessageListener {

    @Resource(name = "nats/ConnectionFactory")
    private NatsConnectionFactory nats;

    @Override
    public void onMessage(NatsMessage message) {
        try (NatsConnection c = nats.getConnection()) {
            c.publish("jsits.done", new Headers().put("Worker", "A"), message.data());
        }
    }
}
