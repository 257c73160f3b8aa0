package dev.natsjca.sample.health;

import java.util.Map;

/**
 * What the health checks need from the resource adapter's status, in plain types: the checks live
 * in an EAR library (where WildFly finds them; it does not look into EJB modules, WFLY-12835) and
 * a library cannot see the adapter's classes on every server (Payara). The EJB module implements it.
 */
public interface AdapterHealth {

    /**
     * Where the checks find the implementation: its portable global name (application {@code natsapp},
     * module {@code nats-sample-ejb}). On Payara an EAR library's CDI beans get no {@code @EJB}
     * injection, and the health endpoint's thread has no {@code java:app} context.
     */
    String JNDI_NAME = "java:global/natsapp/nats-sample-ejb/AdapterStatus!dev.natsjca.sample.health.AdapterHealth";

    /**
     * One snapshot of the adapter's status, so that a check's verdict and its data agree.
     *
     * @param ready whether every message-driven bean's activation can receive (the adapter's readiness)
     * @param live whether deliveries make progress inside this instance (the adapter's liveness)
     * @param activations per activation name: its state, and what is wrong when something is
     */
    record Snapshot(boolean ready, boolean live, Map<String, String> activations) {
    }

    /** @return the adapter's status now */
    Snapshot snapshot();
}
