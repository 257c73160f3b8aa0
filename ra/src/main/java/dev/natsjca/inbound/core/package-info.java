/**
 * Core NATS inbound: an activation on a subject (optionally in a queue group), at-most-once.
 */
package dev.natsjca.inbound.core;
