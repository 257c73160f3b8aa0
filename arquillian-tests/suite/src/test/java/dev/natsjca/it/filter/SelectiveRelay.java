package dev.natsjca.it.filter;

import dev.natsjca.api.NatsConnection;
import dev.natsjca.api.NatsConnectionFactory;
import dev.natsjca.api.NatsMessage;
import dev.natsjca.api.NatsMessageListener;
import jakarta.annotation.Resource;
import jakarta.ejb.ActivationConfigProperty;
import jakarta.ejb.MessageDriven;

/**
 * A JetStream MDB whose subject and stream subjects hold an embedded placeholder
 * ({@code ${nats.it.env}}, set as environment variable {@code NATS_IT_ENV} by the build) and
 * whose selector picks urgent orders of region eu: it relays what it receives to
 * {@value #OUT}, keeping the body.
 */
@MessageDriven(messageListenerInterface = NatsMessageListener.class, activationConfig = {
        @ActivationConfigProperty(propertyName = "subject", propertyValue = "${nats.it.env}.selit.orders"),
        @ActivationConfigProperty(propertyName = "stream", propertyValue = "SELIT"),
        @ActivationConfigProperty(propertyName = "durable", propertyValue = "selit"),
        @ActivationConfigProperty(propertyName = "streamDeclaration", propertyValue = "ensure"),
        @ActivationConfigProperty(propertyName = "streamSubjects", propertyValue = "${nats.it.env}.selit.>"),
        @ActivationConfigProperty(propertyName = "selector",
                propertyValue = "region = 'eu' AND (ANY(tag) = 'urgent' OR amount > 100) AND \"Content-Kind\" LIKE 'order%'") })
public class SelectiveRelay implements NatsMessageListener {

    public static final String OUT = "selit.out";

    @Resource(name = "nats/ConnectionFactory")
    private NatsConnectionFactory nats;

    @Override
    public void onMessage(NatsMessage message) {
        try (NatsConnection c = nats.getConnection()) {
            c.publish(OUT, message.data());
        }
    }
}
