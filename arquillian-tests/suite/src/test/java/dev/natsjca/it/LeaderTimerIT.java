package dev.natsjca.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.jboss.arquillian.container.test.api.Deployer;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.EnterpriseArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.natsjca.testing.Await;
import dev.natsjca.testing.NatsServer;
import dev.natsjca.testing.NatsServerExtension;
import io.nats.client.Connection;
import io.nats.client.KeyValue;
import io.nats.client.Nats;
import io.nats.client.api.KeyValueEntry;

/**
 * The sample's leader timer in the server: the one deployed instance becomes leader, its job
 * publishes ticks carrying its node and fencing token, and undeploying steps down at once
 * (WildFly) or, where the server has removed the application's pool before {@code @PreDestroy}
 * (Payara), lets the key expire within the TTL.
 */
@ExtendWith({NatsServerExtension.class, ArquillianExtension.class})
class LeaderTimerIT {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String SAMPLE = "sample";
    private static final Pattern TICK = Pattern.compile("\\{\"node\":\"([^\"]*)\",\"token\":(\\d+)}");

    @ArquillianResource
    private Deployer deployer;

    @Deployment(name = SAMPLE, managed = false, testable = false)
    static EnterpriseArchive sample() {
        return Deployments.sampleEar();
    }

    record Tick(String node, long token) {
    }

    @Test
    void theInstanceLeadsPublishesTicksWithItsTokenAndStepsDownOnUndeploy(NatsServer nats) throws Exception {
        try (Connection client = Nats.connect(nats.url());
             Receiver ticks = new Receiver(client, "sample.leader.tick")) {
            deployer.deploy(SAMPLE);
            KeyValue kv;
            try {
                Await.until(WAIT, () -> "three ticks, got " + ticks.messages().size(), () -> ticks.messages().size() >= 3);
                kv = client.keyValue("sample_leader");
                KeyValueEntry held = kv.get("timer");
                assertNotNull(held, "the leader holds key 'timer'");
                List<Tick> seen = ticks.messages().stream().map(m -> parse(new String(m.getData(), StandardCharsets.UTF_8)))
                        .collect(Collectors.toList());
                for (Tick t : seen) {
                    assertEquals(held.getValueAsString(), t.node(), "a tick from another node than the key's holder");
                }
                for (int i = 1; i < seen.size(); i++) {
                    assertTrue(seen.get(i).token() > seen.get(i - 1).token(), "tokens must increase: " + seen);
                }
                assertTrue(seen.get(seen.size() - 1).token() <= held.getRevision(),
                        "a tick with a token the key never had: " + seen + ", revision " + held.getRevision());
            } finally {
                deployer.undeploy(SAMPLE);
            }
            if ("wildfly".equals(ServerLog.server())) {
                assertNull(kv.get("timer"), "undeploy must step down at once (delete the key), not leave it to the TTL");
            } else {
                // Payara removes the application's pool before @PreDestroy runs: the key expires instead.
                KeyValue bucket = kv;
                Await.until(Duration.ofSeconds(10), "the key expired after the TTL (5 s)", () -> get(bucket) == null);
            }
        }
    }

    private static KeyValueEntry get(KeyValue kv) {
        try {
            return kv.get("timer");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Tick parse(String json) {
        Matcher m = TICK.matcher(json);
        assertTrue(m.matches(), "tick is not {\"node\":…,\"token\":…}: " + json);
        return new Tick(m.group(1), Long.parseLong(m.group(2)));
    }
}
