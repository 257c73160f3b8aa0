/**
 * The sample application: a stateless publisher using the injected NATS connection factory,
 * message-driven beans bound to the adapter, and a demo driver that keeps messages flowing.
 *
 * <p>Its NATS-facing contract (subjects and headers) is listed in {@link SampleSubjects}.
 */
package dev.natsjca.sample;
