/**
 * Outbound connections: the managed connection factory the server pools, managed connections
 * each owning one jnats {@link io.nats.client.Connection}, and the cheap handles applications use;
 * and how a transaction's publishes leave: staged per branch ({@code StagingXAResource}), then
 * either committed as one atomic batch ({@code AtomicCommit} decides, {@code AtomicBatch} runs the
 * server's protocol) or sent at prepare ({@code StagedSender}).
 */
package dev.natsjca.outbound;
