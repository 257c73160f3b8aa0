package dev.natsjca.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.shrinkwrap.api.spec.EnterpriseArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.natsjca.testing.Await;
import dev.natsjca.testing.NatsServer;
import dev.natsjca.testing.NatsServerExtension;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;

/**
 * A pooled connection that jnats closes for good is dropped by the server's pool: with
 * {@code maxReconnects=1} the connection gives up while NATS is down, and after NATS is back the
 * next {@code getConnection()} must hand out a new, working one, not the dead one.
 */
@ExtendWith({NatsServerExtension.class, ArquillianExtension.class})
class PoolEvictionIT {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String APP = "evictapp";

    @Deployment(testable = false)
    static EnterpriseArchive app() {
        return TxApp.ear(APP, Map.of("maxReconnects", "1", "reconnectWait", "100", "connectTimeout", "1000"));
    }

    @Test
    void connectionClosedForGoodIsReplacedAfterNatsReturns(NatsServer nats) throws Exception {
        String run = UUID.randomUUID().toString().replace("-", "");
        try (Connection client = Nats.connect(new Options.Builder().server(nats.url()).maxReconnects(-1)
                .reconnectWait(Duration.ofMillis(100)).build());
             Receiver r = new Receiver(client, "tx.it." + run)) {
            assertEquals("OK", TxApp.call(APP, "three", run)); // a pooled connection now exists
            Await.until(WAIT, "first three", () -> r.messages().size() == 3);

            ServerLog log = ServerLog.markNow();
            nats.stop();
            try {
                Await.until(WAIT, "the adapter reports the pooled connection closed for good",
                        () -> log.sinceMark().contains("closed for good; the pool will replace it"));
            } finally {
                nats.startAgain();
            }
            Await.until(WAIT, "observer reconnected", () -> client.getStatus() == Connection.Status.CONNECTED);
            client.flush(WAIT);

            assertEquals("OK", TxApp.call(APP, "three", run), "the pool handed out the dead connection");
            Await.until(WAIT, () -> "three more, got " + bodies(r), () -> r.messages().size() == 6);
            assertEquals(List.of("1", "2", "3", "1", "2", "3"), bodies(r));
        }
    }

    private static List<String> bodies(Receiver r) {
        return r.messages().stream().map(Message::getData).map(b -> new String(b, StandardCharsets.UTF_8))
                .collect(Collectors.toList());
    }
}
