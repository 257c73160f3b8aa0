package dev.natsjca.api;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A snapshot of the resource adapter: every activation of a message-driven bean and every
 * connection definition, from {@link NatsConnectionFactory#status()}. Health checks build on
 * {@link #ready()} and {@link #live()}.
 *
 * @param takenAt when the snapshot was taken
 * @param activations the adapter's activations, by name
 * @param connectionDefinitions the adapter's connection definitions, by name
 */
public record NatsStatus(Instant takenAt, List<NatsActivationStatus> activations,
                         List<NatsConnectionDefinitionStatus> connectionDefinitions) {

    public NatsStatus {
        activations = List.copyOf(activations);
        connectionDefinitions = List.copyOf(connectionDefinitions);
    }

    /**
     * @return whether every activation is ready: not {@link NatsActivationState#STALLED}, not
     *         {@link NatsActivationState#FAILED}, and not connecting, reconnecting or setting its
     *         consumer up for longer than the adapter's {@code readinessGracePeriod}
     */
    public boolean ready() {
        return activations.stream().allMatch(NatsActivationStatus::ready);
    }

    /**
     * @return whether the adapter's deliveries make progress: false when an activation's messages
     *         have waited for more than a minute while no delivery took one (the server's work
     *         manager refuses workers, no endpoint can be created, or every delivery hangs), which
     *         restarting the instance is the remedy for; problems on the NATS side never make it false
     */
    public boolean live() {
        return activations.stream().allMatch(NatsActivationStatus::live);
    }

    /** @return one line per activation that is not ready, naming it and why */
    public List<String> problems() {
        List<String> out = new ArrayList<>();
        for (NatsActivationStatus a : activations) {
            if (!a.ready()) {
                out.add(a.name() + ": " + a.state() + (a.problem() == null ? "" : " (" + a.problem() + ")"));
            }
        }
        return out;
    }
}
