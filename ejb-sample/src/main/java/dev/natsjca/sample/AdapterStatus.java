package dev.natsjca.sample;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.natsjca.api.NatsActivationStatus;
import dev.natsjca.api.NatsConnectionFactory;
import dev.natsjca.api.NatsStatus;
import dev.natsjca.sample.health.AdapterHealth;
import jakarta.annotation.Resource;
import jakarta.ejb.Local;
import jakarta.ejb.Stateless;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;

/**
 * Reads the resource adapter's status through the factory the application already injects, for
 * the health checks. No transaction: a probe must never wait for one.
 */
@Stateless
@Local(AdapterHealth.class)
@TransactionAttribute(TransactionAttributeType.NOT_SUPPORTED)
public class AdapterStatus implements AdapterHealth {

    @Resource(name = SampleSubjects.CONNECTION_FACTORY)
    private NatsConnectionFactory nats;

    @Override
    public Snapshot snapshot() {
        NatsStatus status = nats.status();
        Map<String, String> activations = new LinkedHashMap<>();
        for (NatsActivationStatus a : status.activations()) {
            activations.put(a.name(), a.state() + (a.problem() == null ? "" : ": " + a.problem()));
        }
        return new Snapshot(status.ready(), status.live(), activations);
    }
}
