package dev.natsjca.api;

import io.nats.client.impl.Headers;

/**
 * A message delivered to a {@link NatsMessageListener}.
 */
public interface NatsMessage {

    /** @return the subject the message was published to (never a wildcard) */
    String subject();

    /** @return the reply subject, or {@code null} when the publisher expects no reply */
    String replyTo();

    /** @return the message headers, read-only; empty when the message has none */
    Headers headers();

    /** @return the payload; an empty array when the message has none */
    byte[] data();
}
