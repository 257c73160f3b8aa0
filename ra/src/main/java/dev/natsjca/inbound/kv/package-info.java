/**
 * Key-value watches: a message-driven bean ({@code NatsKeyValueListener}) that receives each
 * change (put, delete, purge) of the keys of a bucket. A watch is a JetStream consumer on the
 * bucket's stream ({@code KV_<bucket>}, subjects {@code $KV.<bucket>.<key>}), so it has the
 * guarantees of every JetStream activation: acknowledged when the bean returns, redelivered with
 * backoff, dead-lettered, resumed by a durable after a restart. This package turns the watch's
 * properties into those consumer settings and a change into what the bean sees.
 */
package dev.natsjca.inbound.kv;
