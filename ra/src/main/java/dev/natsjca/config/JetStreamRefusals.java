package dev.natsjca.config;

import java.util.Set;

import io.nats.client.JetStreamApiException;

/**
 * One answer to "may this JetStream API error pass by itself?", for everything that sets up
 * streams and consumers: a 4xx never does; a 5xx does (no meta leader, JetStream not ready, a
 * timeout), except the configuration errors nats-server answers with 500 too. Retrying those
 * would leave an activation retrying for good instead of failing its deployment.
 */
public final class JetStreamRefusals {

    /**
     * Configuration errors answered with HTTP 500: 10012 a consumer's ack policy cannot be
     * updated, 10052 invalid stream configuration, 10065 subjects overlap another stream's,
     * 10074 replicas a single server cannot have.
     */
    private static final Set<Integer> CONFIGURATION_ERRORS = Set.of(10012, 10052, 10065, 10074);

    private JetStreamRefusals() {
    }

    /** @return whether {@code e} may pass by itself (retry), as opposed to a refusal of the configuration */
    public static boolean mayPass(JetStreamApiException e) {
        return e.getErrorCode() >= 500 && !CONFIGURATION_ERRORS.contains(e.getApiErrorCode());
    }
}
