/**
 * What applications compile against: the connection factory they inject, the connection handle
 * they publish through, and the message-listener interfaces their message-driven beans
 * implement: {@link dev.natsjca.api.NatsMessageListener} to consume one message at a time,
 * {@link dev.natsjca.api.NatsBatchListener} to consume batches,
 * {@link dev.natsjca.api.NatsServiceListener} to answer requests (with {@link dev.natsjca.api.NatsReply}
 * and {@link dev.natsjca.api.NatsServiceException}),
 * {@link dev.natsjca.api.NatsKeyValueListener} to follow the changes of a key-value bucket
 * ({@link dev.natsjca.api.NatsKeyValueChange}); and how a bean says that a message can never be
 * processed ({@link dev.natsjca.api.NatsPermanentFailure},
 * {@link dev.natsjca.api.NatsPermanentFailureException}).
 *
 * <p>Leader election for jobs that must run on one instance is in {@code dev.natsjca.leader}, which
 * builds on {@link dev.natsjca.api.NatsConnection}.
 *
 * <p>Nothing here depends on the adapter's implementation packages. Headers use jnats'
 * {@link io.nats.client.impl.Headers}, the NATS client's own header type, and key-value changes
 * jnats' {@link io.nats.client.api.KeyValueOperation}, so applications that already know jnats
 * meet no second vocabulary.
 */
package dev.natsjca.api;
