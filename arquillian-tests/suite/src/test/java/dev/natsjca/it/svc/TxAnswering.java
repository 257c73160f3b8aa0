package dev.natsjca.it.svc;

import java.nio.charset.StandardCharsets;

import dev.natsjca.api.NatsConnection;
import dev.natsjca.api.NatsConnectionFactory;
import dev.natsjca.api.NatsMessage;
import dev.natsjca.api.NatsReply;
import dev.natsjca.api.NatsServiceException;
import dev.natsjca.api.NatsServiceListener;
import jakarta.annotation.Resource;
import jakarta.ejb.ActivationConfigProperty;
import jakarta.ejb.MessageDriven;
import jakarta.ejb.MessageDrivenContext;

/**
 * A container-managed (REQUIRED) service endpoint: each request {@code <mode>:<token>} publishes
 * {@code <token>} to {@value #EFFECTS} in the bean's transaction (mode {@code nostream}: a
 * JetStream message no stream takes instead), then ends as the mode says.
 */
@MessageDriven(messageListenerInterface = NatsServiceListener.class, activationConfig = {
        @ActivationConfigProperty(propertyName = "subject", propertyValue = "svcit.tx"),
        @ActivationConfigProperty(propertyName = "serviceName", propertyValue = "svcit"),
        @ActivationConfigProperty(propertyName = "serviceVersion", propertyValue = "1.0.0"),
        @ActivationConfigProperty(propertyName = "endpointName", propertyValue = "tx"),
        @ActivationConfigProperty(propertyName = "maxConcurrency", propertyValue = "2") })
public class TxAnswering implements NatsServiceListener {

    /** Where the bean's staged publish goes. */
    public static final String EFFECTS = "svcit.effects";

    @Resource(name = "nats/ConnectionFactory")
    private NatsConnectionFactory nats;

    @Resource
    private MessageDrivenContext context;

    @Override
    public NatsReply onRequest(NatsMessage request) {
        String[] parts = new String(request.data(), StandardCharsets.UTF_8).split(":", 2);
        String mode = parts[0];
        String token = parts.length > 1 ? parts[1] : "";
        try (NatsConnection c = nats.getConnection()) {
            if (mode.equals("nostream")) {
                // No stream takes this subject: the send at prepare fails, the transaction rolls
                // back. (Alone: a core message beside it could leave before the refusal returns,
                // as README's "A failed send rolls the transaction back" states.)
                c.jetStreamPublish("svcit.nostream." + token, null, new byte[] {1}, null);
            } else {
                c.publish(EFFECTS, null, token.getBytes(StandardCharsets.UTF_8));
            }
        }
        switch (mode) {
            case "huge" -> {
                return NatsReply.of(new byte[2 * 1024 * 1024]); // over the server's 1 MiB max_payload
            }
            case "rollback" -> context.setRollbackOnly();
            case "refuse" -> throw new NatsServiceException(422, "refused " + token);
            case "boom" -> throw new IllegalStateException("boom " + token);
            default -> {
            }
        }
        return NatsReply.of("done:" + token);
    }
}
