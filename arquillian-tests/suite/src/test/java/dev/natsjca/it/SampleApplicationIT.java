package dev.natsjca.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.shrinkwrap.api.spec.EnterpriseArchive;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.natsjca.testing.Await;
import dev.natsjca.testing.NatsServer;
import dev.natsjca.testing.NatsServerExtension;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.impl.Headers;

/**
 * The sample EAR, deployed unchanged into a real application server, driven from outside over
 * NATS alone: a plain jnats client publishes to the sample's subjects and watches its answers.
 * The nats-server is the test's own (NATS_URL points the server at it).
 */
@ExtendWith({NatsServerExtension.class, ArquillianExtension.class})
class SampleApplicationIT {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Deployment(testable = false)
    static EnterpriseArchive ear() {
        return Deployments.sampleEar();
    }

    private Connection client;

    @BeforeEach
    void connect(NatsServer nats) throws Exception {
        client = Nats.connect(nats.url());
    }

    @AfterEach
    void disconnect() throws Exception {
        client.close();
    }

    /**
     * A message makes the relay MDB publish through the injected connection factory to
     * {@code sample.greetings}; the greeting MDB receives that and confirms it. Both hops keep
     * subject and payload intact.
     */
    @Test
    void publishThroughTheInjectedFactoryReachesTheMessageDrivenBean(NatsServer nats) throws Exception {
        awaitSubscribed(nats, "sample.relay");
        awaitSubscribed(nats, "sample.greetings");
        byte[] payload = ("greeting " + UUID.randomUUID() + " \u00e9\u00e8").getBytes(StandardCharsets.UTF_8);
        try (Receiver published = new Receiver(client, "sample.greetings");
             Receiver confirmed = new Receiver(client, "sample.greetings.received")) {
            client.publish("sample.relay", new Headers().put("Sample-Relay-To", "sample.greetings")
                    .put("Trace-Id", "t-42"), payload);

            Message sent = published.await(WAIT, "the factory's publish on sample.greetings",
                    m -> Arrays.equals(payload, m.getData()));
            assertEquals("sample.greetings", sent.getSubject());
            assertNotNull(sent.getHeaders(), "headers lost on the way out");
            assertEquals("t-42", sent.getHeaders().getFirst("Trace-Id"), "headers lost on the way out");
            assertNull(sent.getHeaders().getFirst("Sample-Relay-To"), "relay instruction leaked");

            Message receipt = confirmed.await(WAIT, "the MDB's confirmation on sample.greetings.received",
                    m -> Arrays.equals(payload, m.getData()));
            assertEquals("sample.greetings", receipt.getHeaders().getFirst("Sample-Received-Subject"));
            assertArrayEquals(payload, receipt.getData());
        }
    }

    /**
     * Connection properties set where each server takes them (the connection definition in
     * ironjacamar.xml or glassfish-resources.xml; an MDB's activation config) reach the adapter:
     * the NATS server sees the connection names they give.
     */
    @Test
    void connectionPropertiesFromDescriptorsAndActivationConfigReachTheAdapter(NatsServer nats) throws Exception {
        awaitSubscribed(nats, "sample.relay");
        try (Receiver published = new Receiver(client, "sample.greetings.received")) {
            byte[] payload = UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8);
            client.publish("sample.relay", new Headers().put("Sample-Relay-To", "sample.greetings"), payload);
            published.await(WAIT, "a round trip that uses the pool", m -> Arrays.equals(payload, m.getData()));
        }
        String connz = nats.monitor("/connz?limit=1000");
        assertTrue(connz.matches("(?s).*\"name\":\\s*\"nats-jca outbound\".*"),
                "no pooled connection named by the connection definition's connectionName: " + connz);
        assertTrue(connz.matches("(?s).*\"name\":\\s*\"sample greetings mdb:sample.greetings\".*"),
                "the MDB's activation connectionName did not reach its connection: " + connz);
    }

    /**
     * Two MDB activations share queue group {@code sample-workers}: every work item is processed by
     * exactly one of them, and both take part.
     */
    @Test
    void queueGroupOfTwoActivationsDeliversEachMessageOnce(NatsServer nats) throws Exception {
        awaitSubscribed(nats, "sample.work", 2);
        String run = UUID.randomUUID().toString();
        int n = 100;
        try (Receiver done = new Receiver(client, "sample.work.done")) {
            for (int i = 0; i < n; i++) {
                client.publish("sample.work", (run + ":" + i).getBytes(StandardCharsets.UTF_8));
            }
            Await.until(WAIT, () -> "all " + n + " work items confirmed, got " + distinct(done, run).size(),
                    () -> distinct(done, run).size() == n);

            // A duplicate would reach a worker ahead of any later message on the same subscription.
            // So once a second batch is fully confirmed, every duplicate of the first is in too.
            String barrier = run + "-barrier";
            for (int i = 0; i < 20; i++) {
                client.publish("sample.work", (barrier + ":" + i).getBytes(StandardCharsets.UTF_8));
            }
            Await.until(WAIT, "barrier batch confirmed", () -> distinct(done, barrier).size() == 20);

            Map<String, Integer> perItem = new HashMap<>();
            Map<String, Integer> perWorker = new HashMap<>();
            for (Message m : done.messages()) {
                String body = new String(m.getData(), StandardCharsets.UTF_8);
                if (body.startsWith(run + ":")) {
                    perItem.merge(body, 1, Integer::sum);
                    perWorker.merge(m.getHeaders().getFirst("Sample-Worker"), 1, Integer::sum);
                }
            }
            perItem.forEach((item, count) -> assertEquals(1, count, item + " processed " + count + " times"));
            assertEquals(n, perItem.size());
            assertTrue(perWorker.getOrDefault("A", 0) > 0 && perWorker.getOrDefault("B", 0) > 0,
                    "both activations should take part: " + perWorker);
        }
    }

    private static java.util.Set<String> distinct(Receiver r, String prefix) {
        java.util.Set<String> s = new java.util.HashSet<>();
        for (Message m : r.messages()) {
            String body = new String(m.getData(), StandardCharsets.UTF_8);
            if (body.startsWith(prefix + ":")) {
                s.add(body);
            }
        }
        return s;
    }

    /**
     * The sample's config cache follows key-value bucket {@code sample_config} (which its watch
     * creates): a put, a second put and a delete each reach it, with their revisions, and
     * {@code sample.config.get} answers from it.
     */
    @Test
    void theConfigCacheStaysInStepWithItsBucket(NatsServer nats) throws Exception {
        awaitSubscribed(nats, "sample.config.get");
        Await.untilServer(WAIT, "bucket sample_config", () -> client.keyValueManagement().getBucketNames()
                .contains("sample_config"));
        io.nats.client.KeyValue kv = client.keyValue("sample_config");
        String key = "it." + UUID.randomUUID();
        long first = kv.put(key, "Grüße 1");
        awaitCached(key, "\"value\":\"Grüße 1\",\"revision\":" + first);
        long second = kv.put(key, "two");
        awaitCached(key, "\"value\":\"two\",\"revision\":" + second);
        kv.delete(key);
        long deleted = second + 1; // nothing else writes to the bucket: the delete is the next revision
        awaitCached(key, "\"value\":null,\"revision\":" + deleted);
    }

    /** Asks sample.config.get for {@code key} until its JSON answer holds {@code expected}. */
    private void awaitCached(String key, String expected) {
        String[] last = {""};
        Await.until(WAIT, () -> "cache answer with " + expected + ", last: " + last[0], () -> {
            try {
                Message answer = client.request("sample.config.get", key.getBytes(StandardCharsets.UTF_8),
                        Duration.ofSeconds(2));
                last[0] = answer == null ? "(none)" : new String(answer.getData(), StandardCharsets.UTF_8);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            return last[0].contains(expected);
        });
    }

    private static void awaitSubscribed(NatsServer nats, String subject) {
        awaitSubscribed(nats, subject, 1);
    }

    /** The MDBs subscribe asynchronously after deployment: wait until the server shows them. */
    static void awaitSubscribed(NatsServer nats, String subject, int count) {
        Await.until(Duration.ofSeconds(30), () -> count + " subscription(s) on " + subject + ", found "
                + nats.subscriptionCount(subject), () -> nats.subscriptionCount(subject) == count);
    }
}
