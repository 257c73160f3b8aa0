/**
 * JetStream inbound, at-least-once: the activation on a pull consumer (created or bound, and set
 * up again when it disappears from the server), its settings, and dead-lettering.
 */
package dev.natsjca.inbound.jetstream;
