/**
 * Request/reply inbound: message-driven beans whose method returns the reply, as endpoints of
 * NATS services that answer the service protocol ({@code $SRV.PING|INFO|STATS}, ADR-32). The
 * requests arrive on a core subscription (see {@code inbound.core}); this package adds the reply
 * (at once, or when the bean's transaction committed), the error reply, and discovery.
 */
package dev.natsjca.inbound.service;
