package dev.natsjca.sample.health;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Readiness: DOWN while a message-driven bean cannot receive — its activation is stalled, its
 * consumer is gone from the server, or it has been connecting or setting up for longer than the
 * adapter's {@code readinessGracePeriod} — and UP again when the adapter recovers it.
 */
@Readiness
@ApplicationScoped
public class NatsReadinessCheck implements HealthCheck {

    @Override
    public HealthCheckResponse call() {
        return Responses.check("nats", AdapterHealth.Snapshot::ready);
    }
}
