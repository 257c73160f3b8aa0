package dev.natsjca.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.jboss.shrinkwrap.api.spec.EnterpriseArchive;
import org.jboss.shrinkwrap.api.spec.JavaArchive;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.natsjca.it.edge.EdgeBean;
import dev.natsjca.it.edge.EdgeServlet;
import dev.natsjca.it.edge.HeldHandleBean;
import dev.natsjca.it.edge.Outcomes;
import dev.natsjca.it.edge.TimeoutBean;
import dev.natsjca.it.tx.AuditRow;
import dev.natsjca.testing.Await;
import dev.natsjca.testing.NatsServer;
import dev.natsjca.testing.NatsServerExtension;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.api.StreamConfiguration;

/**
 * Transactions that end in the ways users lose data, in the server's own transaction manager:
 * a publish after the transaction timed out, a pooled connection destroyed between the end of its
 * branch and the prepare, a stream refusing a conditional message at commit, a handle kept from
 * before the transaction began. In each, nothing of the transaction is sent, and the outcome the
 * application sees is the one that happened.
 */
@ExtendWith({NatsServerExtension.class, ArquillianExtension.class})
class TransactionEdgeIT {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String APP = "edgeapp";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @Deployment(testable = false)
    static EnterpriseArchive edgeApp() {
        JavaArchive ejb = ShrinkWrap.create(JavaArchive.class, "edge-ejb.jar")
                .addClasses(EdgeBean.class, TimeoutBean.class, HeldHandleBean.class, Outcomes.class, AuditRow.class)
                .addAsManifestResource(new StringAsset(TxApp.PERSISTENCE_XML), "persistence.xml");
        WebArchive web = ShrinkWrap.create(WebArchive.class, "edge-web.war").addClasses(EdgeServlet.class,
                dev.natsjca.it.tx.CauseChain.class);
        // maxReconnects 0: a pooled connection whose server goes away is closed for good at once.
        return TestEar.ear(APP, ejb, List.of(new TestEar.Bean("EdgeBean", false, true),
                        new TestEar.Bean("TimeoutBean", false, true, 1), new TestEar.Bean("HeldHandleBean", false, true)),
                web, Map.of("maxReconnects", "0", "connectTimeout", "2000"));
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
    void aPublishAfterTheTransactionTimedOutIsRefusedAndNothingIsSent() throws Exception {
        try (Receiver r = new Receiver(client, "edge." + run)) {
            call("timeout");
            String outcome = call("outcome");
            assertTrue(outcome.startsWith("REFUSED"), "a publish after the timeout must fail: " + outcome);
            assertOnlySentinelArrives(r);
        }
    }

    @Test
    void aConnectionDestroyedBetweenTheEndOfItsBranchAndThePrepareRollsTheTransactionBack(NatsServer nats)
            throws Exception {
        try (Receiver r = new Receiver(client, "edge." + run)) {
            CompletableFuture<String> committing = CompletableFuture.supplyAsync(() -> callUnchecked("waitAtCompletion"));
            Await.until(WAIT, "the transaction to reach its commit", () -> "waiting".equals(callUnchecked("outcome")));
            ServerLog log = ServerLog.markNow();
            nats.stop();
            String result;
            try {
                Await.until(WAIT, "the pooled connection closed for good and destroyed",
                        () -> log.sinceMark().contains("closed for good; the pool will replace it"));
                call("open");
                result = committing.get(60, TimeUnit.SECONDS);
            } finally {
                nats.startAgain();
            }
            assertEquals("0", call("rows"), "the row was committed without the transaction's message (" + result + ")");
            assertTrue(callUnchecked("outcome").startsWith("completed " + jakarta.transaction.Status.STATUS_ROLLEDBACK),
                    callUnchecked("outcome") + "; the caller saw " + result);
            Await.until(WAIT, "observer reconnected", () -> client.getStatus() == Connection.Status.CONNECTED);
            client.flush(WAIT);
            assertOnlySentinelArrives(r);
        }
    }

    @Test
    void aConditionRefusedAtCommitReachesTheApplicationAsNatsExpectedSequenceException() throws Exception {
        client.jetStreamManagement().addStream(StreamConfiguration.builder().name("EDGE" + run)
                .subjects("edgejs." + run).build());
        String result = call("conditional");
        assertTrue(result.startsWith("ROLLED_BACK"), result);
        // Portable: the publish's stage. WildFly also puts it in the caller's cause chain; Payara's
        // RollbackException carries no cause.
        assertEquals("stage failed with dev.natsjca.api.NatsExpectedSequenceException", call("outcome"));
        if (ServerLog.server().equals("wildfly")) {
            assertTrue(result.contains("dev.natsjca.api.NatsExpectedSequenceException"), result);
        }
        assertEquals(0, client.jetStreamManagement().getStreamInfo("EDGE" + run).getStreamState().getMsgCount());
    }

    @Test
    void aHandleKeptFromBeforeTheTransactionNeverSendsAtOnceInsideIt() throws Exception {
        try (Receiver r = new Receiver(client, "edge." + run)) {
            call("held");
            String outcome = call("outcome");
            // Either the server enlisted the kept handle (the message was staged and the rollback
            // dropped it) or the adapter refused it: never sent at once.
            assertTrue(outcome.equals("ACCEPTED") || outcome.contains("not enlisted"), outcome);
            assertOnlySentinelArrives(r);
        }
    }

    private void assertOnlySentinelArrives(Receiver r) throws Exception {
        assertEquals("OK", call("sentinel"));
        Await.until(WAIT, () -> "sentinel, got " + bodies(r), () -> bodies(r).contains("sentinel"));
        assertEquals(List.of("sentinel"), bodies(r), "messages of a rolled-back transaction were sent");
    }

    private static List<String> bodies(Receiver r) {
        return r.messages().stream().map(Message::getData).map(b -> new String(b, StandardCharsets.UTF_8))
                .collect(Collectors.toList());
    }

    private String callUnchecked(String op) {
        try {
            return call(op);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private String call(String op) throws Exception {
        URI uri = URI.create(System.getProperty("http.base") + "/" + APP + "/edge?op=" + op + "&run=" + run);
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(90)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), op + ": " + response.body());
        return response.body();
    }
}
