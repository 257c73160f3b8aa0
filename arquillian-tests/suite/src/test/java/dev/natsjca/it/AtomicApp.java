package dev.natsjca.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.jboss.shrinkwrap.api.spec.EnterpriseArchive;
import org.jboss.shrinkwrap.api.spec.JavaArchive;
import org.jboss.shrinkwrap.api.spec.WebArchive;

import dev.natsjca.it.atomic.AtomicBean;
import dev.natsjca.it.atomic.AtomicServlet;
import dev.natsjca.it.atomic.FailingParticipant;
import dev.natsjca.it.atomic.Notes;
import dev.natsjca.it.tx.AuditRow;
import dev.natsjca.testing.Await;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.Message;
import io.nats.client.api.MessageInfo;
import io.nats.client.api.PublishAck;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.impl.Headers;

/**
 * The application of the atomic-commit tests ({@link AtomicCommitIT}, {@link AtomicRequiredIT},
 * {@link AtomicOffIT}): {@link AtomicBean} behind {@code /<name>/atomic}, JPA on the server's
 * default datasource; and what the tests read from outside: the stream {@value #STREAM} on
 * {@code atomic.>}, which allows atomic publish, and what a core subscriber saw.
 */
final class AtomicApp {

    static final String STREAM = "ATOMIC";
    static final String BATCH_ID = "Nats-Batch-Id";
    static final String BATCH_SEQUENCE = "Nats-Batch-Sequence";
    static final String BATCH_COMMIT = "Nats-Batch-Commit";
    static final Duration WAIT = Duration.ofSeconds(30);

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private AtomicApp() {
    }

    /** @param connectionProperties e.g. {@code atomicCommit}; empty: the RAR as built (auto) */
    static EnterpriseArchive ear(String name, Map<String, String> connectionProperties) {
        JavaArchive ejb = ShrinkWrap.create(JavaArchive.class, "atomic-ejb.jar")
                .addClasses(AtomicBean.class, FailingParticipant.class, Notes.class, AuditRow.class)
                .addAsManifestResource(new StringAsset(TxApp.PERSISTENCE_XML), "persistence.xml");
        WebArchive web = ShrinkWrap.create(WebArchive.class, "atomic-web.war").addClasses(AtomicServlet.class,
                dev.natsjca.it.tx.CauseChain.class);
        return TestEar.ear(name, ejb, List.of(new TestEar.Bean("AtomicBean", false, true)), web, connectionProperties);
    }

    /** Calls {@code /<app>/atomic?op=..&run=..}: OK, ROLLED_BACK and the failure's exceptions, notes or a count. */
    static String call(String app, String op, String run) throws Exception {
        URI uri = URI.create(System.getProperty("http.base") + "/" + app + "/atomic?op=" + op + "&run=" + run);
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(90)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), op + ": " + response.body());
        return response.body();
    }

    /** Creates the stream unless it exists (one per nats-server, that is per test class). */
    static void createStream(JetStreamManagement jsm) throws IOException, JetStreamApiException {
        if (!jsm.getStreamNames().contains(STREAM)) {
            jsm.addStream(StreamConfiguration.builder().name(STREAM).subjects("atomic.>").allowAtomicPublish(true)
                    .build());
        }
    }

    /** @return what the stream stores of the run ({@code atomic.<run>.>}), in stream order */
    static List<MessageInfo> stored(JetStreamManagement jsm, String run) throws IOException {
        return new Streams(jsm).stored(STREAM, "atomic." + run + ".>", 1);
    }

    static String body(byte[] data) {
        return data == null ? "" : new String(data, StandardCharsets.UTF_8);
    }

    static List<String> storedBodies(List<MessageInfo> stored) {
        return stored.stream().map(m -> body(m.getData())).collect(Collectors.toList());
    }

    static String header(Headers headers, String key) {
        return headers == null ? null : headers.getFirst(key);
    }

    /**
     * Nothing of the run's transaction is stored nor sent: a JetStream sentinel the test publishes
     * afterwards, outside any transaction, is all the stream stores of the run and all the core
     * subscriber {@code r} (on {@code atomic.<run>.>}) sees besides {@code alsoSeen}.
     */
    static void assertOnlySentinel(Connection client, JetStreamManagement jsm, Receiver r, String run,
                                   List<String> alsoSeen) throws Exception {
        PublishAck ack = client.jetStream().publish("atomic." + run + ".sentinel",
                "sentinel".getBytes(StandardCharsets.UTF_8));
        Await.until(WAIT, () -> "the sentinel, seen " + seen(r), () -> seen(r).contains("sentinel"));
        List<MessageInfo> stored = stored(jsm, run);
        assertEquals(List.of("sentinel"), storedBodies(stored), "the stream stored messages of the transaction");
        assertEquals(ack.getSeqno(), stored.get(0).getSeq());
        List<String> expected = new java.util.ArrayList<>(alsoSeen);
        expected.add("sentinel");
        assertEquals(expected, seen(r), "what the core subscriber saw");
    }

    /** @return the bodies a receiver saw, in arrival order ({@code ""} for an empty message) */
    static List<String> seen(Receiver r) {
        return r.messages().stream().map(Message::getData).map(AtomicApp::body).collect(Collectors.toList());
    }
}
