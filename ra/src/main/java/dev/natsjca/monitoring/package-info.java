/**
 * What operators and health checks see: per activation and per connection definition, the state
 * and the counts ({@link dev.natsjca.monitoring.ActivationMonitor},
 * {@link dev.natsjca.monitoring.ConnectionDefinitionMonitor}), the snapshots applications read
 * through {@link dev.natsjca.api.NatsConnectionFactory#status()}, the JMX MBeans, and trace
 * context across NATS ({@link dev.natsjca.monitoring.Tracing}).
 *
 * <p>Inbound and outbound report here; nothing here calls back into them. What only they can tell
 * at the moment a snapshot is taken (the hand-off's depth, whether a pull went silent) they hand
 * over as suppliers when they register.
 */
package dev.natsjca.monitoring;
