package dev.natsjca.it.batch;

import java.nio.charset.StandardCharsets;
import java.util.List;

import dev.natsjca.api.NatsBatchListener;
import dev.natsjca.api.NatsConnection;
import dev.natsjca.api.NatsConnectionFactory;
import dev.natsjca.api.NatsMessage;
import io.nats.client.PublishOptions;
import io.nats.client.impl.Headers;
import jakarta.annotation.Resource;
import jakarta.ejb.ActivationConfigProperty;
import jakarta.ejb.MessageDriven;
import jakarta.ejb.MessageDrivenContext;

/**
 * A container-managed (REQUIRED) batch MDB: for each message of a batch it stages
 * {@code batit.out} (message id {@code out-<body>}) in the batch's one transaction, and one
 * {@code batit.sizes} message saying how many the batch held. "poison" always throws; the first
 * batch holding "rollback-once" calls setRollbackOnly.
 */
@MessageDriven(messageListenerInterface = NatsBatchListener.class, activationConfig = {
        @ActivationConfigProperty(propertyName = "subject", propertyValue = "batit.in"),
        @ActivationConfigProperty(propertyName = "stream", propertyValue = "BATIT"),
        @ActivationConfigProperty(propertyName = "durable", propertyValue = "batit"),
        @ActivationConfigProperty(propertyName = "streamDeclaration", propertyValue = "ensure"),
        @ActivationConfigProperty(propertyName = "streamSubjects", propertyValue = "batit.>"),
        @ActivationConfigProperty(propertyName = "maxBatchSize", propertyValue = "20"),
        @ActivationConfigProperty(propertyName = "maxBatchWait", propertyValue = "200"),
        @ActivationConfigProperty(propertyName = "maxConcurrency", propertyValue = "2"),
        @ActivationConfigProperty(propertyName = "maxDeliver", propertyValue = "3"),
        @ActivationConfigProperty(propertyName = "backoff", propertyValue = "100"),
        @ActivationConfigProperty(propertyName = "deadLetterSubject", propertyValue = "batit.dlq") })
public class BatchRelay implements NatsBatchListener {

    private static volatile boolean rolledBackOnce;

    @Resource(name = "nats/ConnectionFactory")
    private NatsConnectionFactory nats;

    @Resource
    private MessageDrivenContext context;

    @Override
    public void onMessages(List<NatsMessage> messages) {
        try (NatsConnection c = nats.getConnection()) {
            for (NatsMessage m : messages) {
                String body = new String(m.data(), StandardCharsets.UTF_8);
                if (body.equals("poison")) {
                    throw new IllegalArgumentException("poison cannot be processed");
                }
                if (body.equals("rollback-once") && !rolledBackOnce) {
                    rolledBackOnce = true;
                    context.setRollbackOnly();
                }
                c.jetStreamPublish("batit.out", null, m.data(),
                        PublishOptions.builder().messageId("out-" + body).build());
            }
            c.jetStreamPublish("batit.sizes", new Headers().put("Batch-Size", Integer.toString(messages.size())),
                    new byte[0], null);
        }
    }
}
