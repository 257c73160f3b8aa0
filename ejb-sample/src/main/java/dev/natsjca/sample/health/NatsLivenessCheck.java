package dev.natsjca.sample.health;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/**
 * Liveness: DOWN only when deliveries cannot make progress inside this instance (messages have
 * waited more than a minute while the server refused every delivery worker), which a restart
 * ends. NATS being unreachable never makes it DOWN: restarting would not help.
 */
@Liveness
@ApplicationScoped
public class NatsLivenessCheck implements HealthCheck {

    @Override
    public HealthCheckResponse call() {
        return Responses.check("nats-deliveries", AdapterHealth.Snapshot::live);
    }
}
