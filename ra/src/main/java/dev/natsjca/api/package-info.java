/**
 * What applications compile against: the connection factory they inject, the connection handle
 * they publish through, and the message-listener interfaces their message-driven beans
 * implement: {@link dev.natsjca.api.NatsMessageListener} to consume one message at a time,
 * {@link dev.natsjca.api.NatsBatchListener} to consume batches,
 * {@link dev.natsjca.api.NatsServiceListener} to answer requests (with {@link dev.natsjca.api.NatsReply}
 * and {@link dev.natsjca.api.NatsServiceException}).
 *
 * <p>Leader election for jobs that must run on one instance is in {@code dev.natsjca.leader}, which
 * builds on {@link dev.natsjca.api.NatsConnection}.
 *
 * <p>Nothing here depends on the adapter's implementation packages. Headers use jnats'
 * {@link io.nats.client.impl.Headers}, the NATS client's own header type, so applications that
 * already know jnats meet no second vocabulary.
 */
package dev.natsjca.api;
