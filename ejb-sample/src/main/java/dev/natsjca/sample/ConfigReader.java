package dev.natsjca.sample;

import java.nio.charset.StandardCharsets;

import dev.natsjca.api.NatsMessage;
import dev.natsjca.api.NatsReply;
import dev.natsjca.api.NatsServiceListener;
import jakarta.ejb.ActivationConfigProperty;
import jakarta.ejb.EJB;
import jakarta.ejb.MessageDriven;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;
import jakarta.json.Json;
import jakarta.json.JsonObjectBuilder;

/**
 * Answers core requests on {@value SampleSubjects#CONFIG_GET} (payload: a key, UTF-8) from this
 * instance's {@link ConfigCache}: {@code {"node":…,"key":…,"value":…|null,"revision":n}}
 * ({@code revision} 0 when the cache has seen no change of the key). Queue group
 * {@value SampleSubjects#CONFIG_QUEUE}: one answer per request.
 */
@MessageDriven(messageListenerInterface = NatsServiceListener.class, activationConfig = {
        @ActivationConfigProperty(propertyName = "subject", propertyValue = SampleSubjects.CONFIG_GET),
        @ActivationConfigProperty(propertyName = "queueGroup", propertyValue = SampleSubjects.CONFIG_QUEUE),
        @ActivationConfigProperty(propertyName = "connectionName", propertyValue = "sample config reader") })
@TransactionAttribute(TransactionAttributeType.NOT_SUPPORTED)
public class ConfigReader implements NatsServiceListener {

    @EJB
    private ConfigCache cache;

    @Override
    public NatsReply onRequest(NatsMessage request) {
        String key = new String(request.data(), StandardCharsets.UTF_8).trim();
        ConfigCache.Entry e = cache.get(key);
        JsonObjectBuilder reply = Json.createObjectBuilder().add("node", Node.NAME).add("key", key);
        if (e == null || e.value() == null) {
            reply.addNull("value");
        } else {
            reply.add("value", e.value());
        }
        return NatsReply.of(reply.add("revision", e == null ? 0 : e.revision()).build().toString());
    }
}
