/**
 * Inbound delivery, what every activation shares: the activation spec message-driven beans
 * configure, the activation lifecycle (connect, consume, retry, deactivate), and the delivery
 * workers that feed NATS messages to endpoints through the server's {@code WorkManager} with
 * bounded concurrency. Each source has a sub-package: {@code core}, {@code jetstream}, and {@code service} (request/reply
 * endpoints of NATS services).
 */
package dev.natsjca.inbound;
