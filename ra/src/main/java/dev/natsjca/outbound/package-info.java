/**
 * Outbound connections: the managed connection factory the server pools, managed connections
 * each owning one jnats {@link io.nats.client.Connection}, and the cheap handles applications use.
 */
package dev.natsjca.outbound;
