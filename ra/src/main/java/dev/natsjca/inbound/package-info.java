/**
 * Inbound delivery: the activation spec message-driven beans configure, and the per-activation
 * consumer that feeds NATS messages to endpoints through the server's {@code WorkManager} with
 * bounded concurrency.
 */
package dev.natsjca.inbound;
