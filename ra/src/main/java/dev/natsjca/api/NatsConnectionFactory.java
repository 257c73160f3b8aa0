package dev.natsjca.api;

import java.io.Serializable;

import jakarta.resource.Referenceable;

/**
 * The outbound entry point, bound in JNDI by the application server and injected with
 * {@code @Resource}. Each call hands out a {@link NatsConnection} handle backed by a pooled
 * physical NATS connection.
 *
 * <pre>{@code
 * @Resource(lookup = "java:/nats/ConnectionFactory") NatsConnectionFactory nats;
 *
 * try (NatsConnection c = nats.getConnection()) {
 *     c.publish("orders.placed", bytes);
 * }
 * }</pre>
 */
public interface NatsConnectionFactory extends Serializable, Referenceable {

    /**
     * Takes a connection handle from the server's pool.
     *
     * @return a handle that must be closed; closing returns the physical connection to the pool
     * @throws NatsException when no physical connection can be obtained (pool exhausted within its
     *         blocking timeout, or the NATS server cannot be reached)
     */
    NatsConnection getConnection();

    /**
     * A snapshot of the resource adapter this factory belongs to: every message-driven bean's
     * activation and every connection definition, with their states and counts. Cheap (no call to
     * the NATS server): a health check may call it on every probe.
     *
     * @return the adapter's status now
     */
    NatsStatus status();
}
