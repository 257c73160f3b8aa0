package dev.natsjca.inbound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.natsjca.api.NatsActivationStatus;
import dev.natsjca.testing.Await;
import dev.natsjca.testing.NatsServerExtension;
import dev.natsjca.testing.Specs;
import dev.natsjca.testing.StartedAdapter;
import dev.natsjca.testing.TestEndpointFactory;
import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;
import jakarta.resource.spi.InvalidPropertyException;

/**
 * Selectors on real deliveries: a core activation does not deliver what the selector does not
 * match; a JetStream activation acknowledges it without delivery. Both count it. A selector that
 * does not parse fails the activation with its position.
 */
class SelectorDeliveryTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String SELECTOR = "region = 'eu' AND (ANY(tag) = 'urgent' OR amount > 100) "
            + "AND $subject[2] <> 'test'";

    @RegisterExtension
    static final NatsServerExtension NATS = NatsServerExtension.onFreePort();

    private StartedAdapter started;
    private Connection client;

    @BeforeEach
    void start() throws Exception {
        started = new StartedAdapter(NATS.server().url(), 8);
        client = Nats.connect(NATS.server().url());
    }

    @AfterEach
    void stop() throws Exception {
        started.close();
        client.close();
    }

    private NatsActivationStatus status() {
        return started.adapter().monitoring().snapshot().activations().get(0);
    }

    private void awaitConsuming() {
        Await.until(WAIT, "consuming", () -> started.adapter().monitoring().snapshot().activations().stream()
                .allMatch(a -> a.state() == dev.natsjca.api.NatsActivationState.CONSUMING));
    }

    /** Publishes the mix: two that match (first and last), four that do not. */
    private void publishMix(String prefix) {
        publish(prefix + ".live.1", "match-urgent", "region", "eu", "tag", "normal", "tag", "urgent");
        publish(prefix + ".live.2", "no-region", "tag", "urgent");
        publish(prefix + ".live.3", "us", "region", "us", "tag", "urgent");
        publish(prefix + ".test.4", "test-subject", "region", "eu", "tag", "urgent");
        publish(prefix + ".live.5", "small-amount", "region", "eu", "amount", "99");
        publish(prefix + ".live.6", "match-amount", "region", "eu", "amount", "250");
    }

    private void publish(String subject, String body, String... headers) {
        Headers h = new Headers();
        for (int i = 0; i < headers.length; i += 2) {
            h.add(headers[i], headers[i + 1]);
        }
        client.publish(NatsMessage.builder().subject(subject).headers(h)
                .data(body.getBytes(StandardCharsets.UTF_8)).build());
    }

    private static List<String> bodies(TestEndpointFactory f) {
        return f.received().stream().map(r -> new String(r.data(), StandardCharsets.UTF_8)).collect(Collectors.toList());
    }

    @Test
    void aCoreActivationDeliversOnlyWhatTheSelectorMatches() throws Exception {
        TestEndpointFactory f = new TestEndpointFactory("selective");
        var spec = Specs.of("sel.*.*", null, null); // no '>': the monitor's JSON escapes it
        spec.setSelector(SELECTOR);
        started.adapter().endpointActivation(f, spec);
        // Core NATS is at-most-once: publish only once the server has the subscription.
        Await.until(WAIT, "subscribed", () -> NATS.server().subscriptionCount("sel.*.*") == 1);
        publishMix("sel");
        // One subscription keeps publish order: once the last message is in, so is every earlier one.
        Await.until(WAIT, () -> "the last match: " + bodies(f), () -> bodies(f).contains("match-amount"));
        assertEquals(List.of("match-urgent", "match-amount"), bodies(f));
        Await.until(WAIT, () -> "filtered counted: " + status(), () -> status().filtered() == 4);
        assertEquals(2, status().delivered());
    }

    @Test
    void aJetStreamActivationAcknowledgesWhatTheSelectorDoesNotMatch() throws Exception {
        JetStreamManagement jsm = client.jetStreamManagement();
        jsm.addStream(StreamConfiguration.builder().name("SEL").subjects("jsel.>").build());
        TestEndpointFactory f = new TestEndpointFactory("selective-js");
        var spec = Specs.of("jsel.>", "SEL", "selective");
        spec.setSelector(SELECTOR);
        started.adapter().endpointActivation(f, spec);
        awaitConsuming();
        publishMix("jsel");
        Await.until(WAIT, () -> "settled", () -> {
            try {
                ConsumerInfo ci = jsm.getConsumerInfo("SEL", "selective");
                return ci.getNumPending() == 0 && ci.getNumAckPending() == 0 && ci.getAckFloor().getStreamSequence() == 6;
            } catch (Exception e) {
                return false;
            }
        });
        assertEquals(List.of("match-urgent", "match-amount"), bodies(f));
        assertEquals(4, status().filtered());
        assertEquals(0, jsm.getConsumerInfo("SEL", "selective").getRedelivered(), "a filtered message came back");
    }

    @Test
    void aSelectorThatDoesNotParseFailsTheActivationWithItsPosition() {
        var spec = Specs.of("orders", null, null);
        spec.setSelector("region = 'eu' AND amount >");
        InvalidPropertyException e = assertThrows(InvalidPropertyException.class,
                () -> started.adapter().endpointActivation(new TestEndpointFactory("bad"), spec));
        assertTrue(e.getMessage().contains("'selector'") && e.getMessage().contains("position"), e.getMessage());
        assertTrue(started.adapter().monitoring().snapshot().activations().isEmpty(), "activated all the same");
    }

    @Test
    void activationsSharingADurableOrAQueueGroupMustSelectAlike() throws Exception {
        client.jetStreamManagement().addStream(StreamConfiguration.builder().name("SHARED").subjects("shared.>").build());
        var first = Specs.of("shared.>", "SHARED", "shared-worker");
        first.setSelector("region = 'eu'");
        started.adapter().endpointActivation(new TestEndpointFactory("eu"), first);
        var other = Specs.of("shared.>", "SHARED", "shared-worker");
        other.setSelector("region = 'us'");
        InvalidPropertyException e = assertThrows(InvalidPropertyException.class,
                () -> started.adapter().endpointActivation(new TestEndpointFactory("us"), other));
        assertTrue(e.getMessage().contains("'selector'") && e.getMessage().contains("'region = 'us''")
                && e.getMessage().contains("region = 'eu'"), e.getMessage());
        var none = Specs.of("shared.>", "SHARED", "shared-worker");
        assertThrows(InvalidPropertyException.class,
                () -> started.adapter().endpointActivation(new TestEndpointFactory("all"), none));
        var same = Specs.of("shared.>", "SHARED", "shared-worker");
        same.setSelector("region = 'eu'");
        started.adapter().endpointActivation(new TestEndpointFactory("eu-2"), same); // alike: shares the work

        var q1 = Specs.of("work.>", null, null);
        q1.setQueueGroup("workers");
        q1.setSelector("kind = 'a'");
        started.adapter().endpointActivation(new TestEndpointFactory("qa"), q1);
        var q2 = Specs.of("work.>", null, null);
        q2.setQueueGroup("workers");
        q2.setSelector("kind = 'b'");
        assertThrows(InvalidPropertyException.class,
                () -> started.adapter().endpointActivation(new TestEndpointFactory("qb"), q2));
    }

    @Test
    void aSelectorInAPlaceholderIsResolvedFirst() throws Exception {
        System.setProperty("test.sel.region", "eu");
        try {
            var spec = Specs.of("orders", null, null);
            spec.setSelector("region = '${test.sel.region}'");
            assertTrue(spec.resolved().selector().matches("orders", new Headers().add("region", "eu")));
        } finally {
            System.clearProperty("test.sel.region");
        }
    }
}
