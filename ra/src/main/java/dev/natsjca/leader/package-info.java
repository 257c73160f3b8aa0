/**
 * Leader election over a NATS key-value bucket, for jobs that must run on one server instance:
 * {@link dev.natsjca.leader.LeaderElection} (settings, and the state a node keeps between ticks)
 * and {@link dev.natsjca.leader.Leadership} (one tick's outcome with its fencing token).
 *
 * <p>Applications compile against this package as against {@code dev.natsjca.api}; it depends only
 * on {@link dev.natsjca.api.NatsConnection} and jnats, never on the adapter's implementation.
 */
package dev.natsjca.leader;
