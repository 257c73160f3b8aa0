package dev.natsjca.inbound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.natsjca.testing.NatsServerExtension;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Subscription;
import io.nats.client.impl.Headers;

/** The message view endpoints get, over a message as jnats receives it (headers mutable there). */
class DeliveredMessageTest {

    @RegisterExtension
    static final NatsServerExtension NATS = NatsServerExtension.onFreePort();

    @Test
    void headersAreAReadOnlyCopyMadeOncePerMessage() throws Exception {
        try (Connection c = Nats.connect(NATS.server().url())) {
            Subscription sub = c.subscribe("view.headers");
            c.publish("view.headers", new Headers().put("Trace-Id", "t-1"), new byte[] {1});
            Message received = sub.nextMessage(Duration.ofSeconds(10));
            assertNotNull(received, "no message within 10 s");
            assertFalse(received.getHeaders().isReadOnly(), "premise: jnats hands out received headers mutable");

            DeliveredMessage delivered = new DeliveredMessage(received);
            Headers headers = delivered.headers();
            assertTrue(headers.isReadOnly());
            assertEquals("t-1", headers.getFirst("Trace-Id"));
            assertThrows(UnsupportedOperationException.class, () -> headers.put("Trace-Id", "changed"));
            assertSame(headers, delivered.headers(), "copied again on a second call");
            assertEquals("t-1", received.getHeaders().getFirst("Trace-Id"));
        }
    }

    @Test
    void noHeadersReadAsEmpty() throws Exception {
        try (Connection c = Nats.connect(NATS.server().url())) {
            Subscription sub = c.subscribe("view.none");
            c.publish("view.none", new byte[] {1});
            Message received = sub.nextMessage(Duration.ofSeconds(10));
            assertNotNull(received, "no message within 10 s");
            Headers headers = new DeliveredMessage(received).headers();
            assertTrue(headers.isEmpty());
            assertTrue(headers.isReadOnly());
        }
    }
}
