package dev.natsjca.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

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
import io.nats.client.Options;

/**
 * Publishes inside container-managed JTA transactions, alone and beside JPA on the server's
 * default (non-XA) datasource, with the transaction manager's default settings: messages leave at
 * commit, in order; a rollback sends nothing; a failed send rolls the database back; a failed
 * flush sends nothing.
 */
@ExtendWith({NatsServerExtension.class, ArquillianExtension.class})
class TransactionalPublishIT {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Deployment(testable = false)
    static EnterpriseArchive txApp() {
        return TxApp.ear("txapp", Map.of());
    }

    private Connection client;
    private String run;

    @BeforeEach
    void connect(NatsServer nats) throws Exception {
        client = Nats.connect(new Options.Builder().server(nats.url()).maxReconnects(-1)
                .reconnectWait(Duration.ofMillis(100)).build());
        run = UUID.randomUUID().toString().replace("-", "");
    }

    @AfterEach
    void disconnect() throws Exception {
        client.close();
    }

    @Test
    void commitSendsAllThreeInOrder() throws Exception {
        try (Receiver r = new Receiver(client, subject())) {
            assertEquals("OK", call("three"));
            Await.until(WAIT, () -> "three messages, got " + bodies(r), () -> r.messages().size() == 3);
            assertEquals(List.of("1", "2", "3"), bodies(r));
        }
    }

    @Test
    void exceptionRollsBackAndNothingIsSent() throws Exception {
        try (Receiver r = new Receiver(client, subject())) {
            assertTrue(call("throw").startsWith("ROLLED_BACK"));
            assertOnlySentinelArrives(r);
        }
    }

    @Test
    void setRollbackOnlySendsNothing() throws Exception {
        try (Receiver r = new Receiver(client, subject())) {
            call("rollbackOnly");
            assertOnlySentinelArrives(r);
        }
    }

    @Test
    void withJpaOnTheDefaultDatasourceCommitStoresTheRowAndSendsTheMessage() throws Exception {
        try (Receiver r = new Receiver(client, subject())) {
            assertEquals("OK", call("persist"));
            Await.until(WAIT, () -> "the message, got " + bodies(r), () -> bodies(r).contains("row"));
            assertEquals("1", call("rows"));
        }
    }

    @Test
    void withJpaRollbackStoresNothingAndSendsNothing() throws Exception {
        try (Receiver r = new Receiver(client, subject())) {
            assertTrue(call("persistThenThrow").startsWith("ROLLED_BACK"));
            assertOnlySentinelArrives(r);
            assertEquals("0", call("rows"));
        }
    }

    @Test
    void constraintViolationAtFlushSendsNothing() throws Exception {
        try (Receiver r = new Receiver(client, subject())) {
            String result = call("constraint");
            assertTrue(result.startsWith("ROLLED_BACK"), result);
            assertOnlySentinelArrives(r);
            assertEquals("0", call("rows"));
        }
    }

    @Test
    void natsDownAtCommitRollsTheDatabaseBackAndTheCallerSeesIt(NatsServer nats) throws Exception {
        try (Receiver r = new Receiver(client, subject())) {
            nats.stop();
            try {
                String result = call("persist");
                assertTrue(result.startsWith("ROLLED_BACK"), "the caller must see the failed commit: " + result);
            } finally {
                nats.startAgain();
            }
            assertEquals("0", call("rows"), "the row was committed although the messages were not sent");
            Await.until(WAIT, "observer reconnected", () -> client.getStatus() == Connection.Status.CONNECTED);
            client.flush(WAIT); // its subscription is back at the server before the sentinel is sent
            assertOnlySentinelArrives(r);
        }
    }

    /**
     * Rolled-back messages are never written, so a sentinel published afterwards outside any
     * transaction is all that ever arrives.
     */
    private void assertOnlySentinelArrives(Receiver r) throws Exception {
        assertEquals("OK", call("sentinel"));
        Await.until(WAIT, () -> "sentinel, got " + bodies(r), () -> bodies(r).contains("sentinel"));
        assertEquals(List.of("sentinel"), bodies(r), "messages of a rolled-back transaction were sent");
    }

    private String subject() {
        return "tx.it." + run;
    }

    private static List<String> bodies(Receiver r) {
        return r.messages().stream().map(Message::getData).map(b -> new String(b, StandardCharsets.UTF_8))
                .collect(Collectors.toList());
    }

    private String call(String op) throws Exception {
        return TxApp.call("txapp", op, run);
    }
}
