/**
 * What applications compile against: the connection factory they inject, the connection handle
 * they publish through, and the message-listener interface their message-driven beans implement.
 *
 * <p>Leader election for jobs that must run on one instance is in {@code dev.natsjca.leader}, which
 * builds on {@link dev.natsjca.api.NatsConnection}.
 *
 * <p>Nothing here depends on the adapter's implementation packages. Headers use jnats'
 * {@link io.nats.client.impl.Headers}, the NATS client's own header type, so applications that
 * already know jnats meet no second vocabulary.
 */
package dev.natsjca.api;
