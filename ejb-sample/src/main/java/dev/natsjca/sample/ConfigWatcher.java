package dev.natsjca.sample;

import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;

import dev.natsjca.api.NatsKeyValueChange;
import dev.natsjca.api.NatsKeyValueListener;
import io.nats.client.api.KeyValueOperation;
import jakarta.ejb.ActivationConfigProperty;
import jakarta.ejb.EJB;
import jakarta.ejb.MessageDriven;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;

/**
 * Keeps {@link ConfigCache} in step with the key-value bucket {@value SampleSubjects#CONFIG_BUCKET}:
 * the last value of every key at start (the watch's {@code lastValue} start), then every put,
 * delete and purge. No durable: each instance keeps its own copy, rebuilt from the bucket when it
 * starts. The bucket is created when absent, with {@code sample.replicas} replicas (3 on the
 * three-node cluster), as the sample's stream and leader bucket.
 */
@MessageDriven(messageListenerInterface = NatsKeyValueListener.class, activationConfig = {
        @ActivationConfigProperty(propertyName = "bucket", propertyValue = SampleSubjects.CONFIG_BUCKET),
        @ActivationConfigProperty(propertyName = "bucketDeclaration", propertyValue = "ensure"),
        @ActivationConfigProperty(propertyName = "bucketReplicas", propertyValue = "${sample.replicas:1}"),
        @ActivationConfigProperty(propertyName = "keyValueStart", propertyValue = "lastValue"),
        @ActivationConfigProperty(propertyName = "connectionName", propertyValue = "sample config") })
@TransactionAttribute(TransactionAttributeType.NOT_SUPPORTED)
public class ConfigWatcher implements NatsKeyValueListener {

    private static final System.Logger LOG = System.getLogger(ConfigWatcher.class.getName());

    @EJB
    private ConfigCache cache;

    @Override
    public void onChange(NatsKeyValueChange change) {
        String value = change.operation() == KeyValueOperation.PUT
                ? new String(change.value(), StandardCharsets.UTF_8) : null;
        cache.apply(change.key(), value, change.revision());
        LOG.log(Level.DEBUG, "Config {0} {1} at revision {2}", change.key(), change.operation(), change.revision());
    }
}
