/**
 * The benchmark's application, deployed into WildFly (standalone-full) by the benchmark itself:
 * NATS and JMS message-driven beans that record their latency in {@link dev.natsjca.bench.server.Stats},
 * and a control bean the benchmark drives over NATS request/reply.
 */
package dev.natsjca.bench.server;
