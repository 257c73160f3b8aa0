/**
 * The one place that turns adapter, connection-definition and activation properties into
 * validated settings and jnats {@link io.nats.client.Options}. Values of the form {@code ${key}} or
 * {@code ${key:default}} are resolved through MicroProfile Config when the server provides it.
 * Every rejection names the property and the offending value (with secrets masked).
 */
package dev.natsjca.config;
