package dev.natsjca.inbound;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.natsjca.testing.Await;
import dev.natsjca.testing.NatsServerExtension;
import dev.natsjca.testing.RawPublisher;
import dev.natsjca.testing.StartedAdapter;
import dev.natsjca.testing.TestEndpointFactory;
import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.api.StreamConfiguration;

/**
 * Messages from other clients whose header values are UTF-8 (which the server accepts and jnats
 * cannot parse) are delivered with those bytes as '?', and the activation goes on consuming: one
 * such message must not hang its connection.
 */
class NonAsciiHeaderTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @RegisterExtension
    static final NatsServerExtension NATS = NatsServerExtension.onFreePort();

    private StartedAdapter started;
    private Connection client;

    @BeforeEach
    void start() throws Exception {
        started = new StartedAdapter(NATS.server().url(), 4);
        client = Nats.connect(NATS.server().url());
    }

    @AfterEach
    void stop() throws Exception {
        started.close();
        client.close();
    }

    private static NatsActivationSpec spec(String subject, String stream) {
        NatsActivationSpec s = new NatsActivationSpec();
        s.setSubject(subject);
        s.setStream(stream);
        s.setDurable(stream == null ? null : "utf8-worker");
        return s;
    }

    @Test
    void aJetStreamMessageWithAUtf8HeaderValueIsDeliveredAckedAndTheNextOneFollows() throws Exception {
        JetStreamManagement jsm = client.jetStreamManagement();
        jsm.addStream(StreamConfiguration.builder().name("UTF8").subjects("utf8.js").build());
        TestEndpointFactory endpoint = new TestEndpointFactory("utf8-js");
        started.adapter().endpointActivation(endpoint, spec("utf8.js", "UTF8"));
        RawPublisher.publish(NATS.server().port(), "utf8.js", "first".getBytes(StandardCharsets.UTF_8),
                "X-Customer: Kunde Müller");
        client.jetStream().publish("utf8.js", "second".getBytes(StandardCharsets.UTF_8));

        Await.until(WAIT, () -> "both delivered, got " + endpoint.received().size(), () -> endpoint.received().size() == 2);
        assertEquals("Kunde M??ller", endpoint.received().get(0).headers().getFirst("X-Customer"));
        Await.until(WAIT, "both acked", () -> ackFloor(jsm) == 2);
    }

    @Test
    void aCoreMessageWithAUtf8HeaderValueIsDeliveredAndTheNextOneFollows() throws Exception {
        TestEndpointFactory endpoint = new TestEndpointFactory("utf8-core");
        started.adapter().endpointActivation(endpoint, spec("utf8.core", null));
        Await.until(WAIT, "subscribed", () -> NATS.server().subscriptionCount("utf8.core") == 1);
        RawPublisher.publish(NATS.server().port(), "utf8.core", new byte[] {1}, "X-City: Zürich");
        RawPublisher.publish(NATS.server().port(), "utf8.core", new byte[] {2}, "Bad Key: a key jnats refuses");
        client.publish("utf8.core", new byte[] {3});
        Await.until(WAIT, () -> "all three delivered, got " + endpoint.received().size(),
                () -> endpoint.received().size() == 3);
        assertEquals("Z??rich", endpoint.received().get(0).headers().getFirst("X-City"));
        assertEquals("a key jnats refuses", endpoint.received().get(1).headers().getFirst("Bad?Key"));
    }

    private static long ackFloor(JetStreamManagement jsm) {
        try {
            return jsm.getConsumerInfo("UTF8", "utf8-worker").getAckFloor().getStreamSequence();
        } catch (Exception e) {
            return -1;
        }
    }
}
