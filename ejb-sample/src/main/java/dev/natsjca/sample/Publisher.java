package dev.natsjca.sample;

import dev.natsjca.api.NatsConnection;
import dev.natsjca.api.NatsConnectionFactory;
import io.nats.client.impl.Headers;
import jakarta.annotation.Resource;
import jakarta.ejb.Stateless;

/**
 * Publishes through the injected NATS connection factory: take a pooled handle, publish, close.
 * The factory is a logical reference, mapped to the server's binding by its own descriptor.
 */
@Stateless
public class Publisher {

    @Resource(name = SampleSubjects.CONNECTION_FACTORY)
    private NatsConnectionFactory nats;

    /**
     * @param subject where to publish
     * @param headers headers, or {@code null}
     * @param data the payload
     */
    public void publish(String subject, Headers headers, byte[] data) {
        try (NatsConnection connection = nats.getConnection()) {
            connection.publish(subject, headers, data);
        }
    }
}
