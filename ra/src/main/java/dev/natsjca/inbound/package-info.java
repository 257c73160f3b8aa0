/**
 * Inbound delivery, what every activation shares: the activation spec message-driven beans
 * configure, the activation lifecycle (connect, consume, retry, deactivate), and the delivery
 * workers that feed NATS messages to endpoints through the server's {@code WorkManager} with
 * bounded concurrency. Each source has a sub-package: {@code core}, {@code jetstream}, {@code kv} (key-value
 * watches, consumed as JetStream) and {@code service} (request/reply endpoints of NATS
 * services); {@code selector} holds the message selectors every activation may filter with.
 */
package dev.natsjca.inbound;
