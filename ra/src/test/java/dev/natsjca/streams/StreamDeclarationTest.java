package dev.natsjca.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.natsjca.testing.NatsServer;
import dev.natsjca.testing.NatsServerExtension;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.api.CompressionOption;
import io.nats.client.api.DiscardPolicy;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import jakarta.resource.spi.InvalidPropertyException;

/**
 * Streams declared completely, against the real server of the matrix: created with every
 * setting and read back, changeable settings updated, immutable ones refused naming setting and
 * values, verify mode never changing anything, and settings the server is too old for refused.
 */
class StreamDeclarationTest {

    @RegisterExtension
    static final NatsServerExtension NATS = NatsServerExtension.onFreePort();

    private Connection client;
    private JetStreamManagement jsm;
    private final List<String> infos = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            infos.add(new java.util.logging.SimpleFormatter().formatMessage(r));
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void connect() throws Exception {
        client = Nats.connect(NATS.server().url());
        jsm = client.jetStreamManagement();
        Logger.getLogger(StreamDeclaration.class.getName()).addHandler(capture);
    }

    @AfterEach
    void close() throws Exception {
        Logger.getLogger(StreamDeclaration.class.getName()).removeHandler(capture);
        for (String name : jsm.getStreamNames()) {
            jsm.deleteStream(name);
        }
        client.close();
    }

    private static StreamDeclaration declare(String stream, String mode, String... pairs) throws InvalidPropertyException {
        Map<String, String> p = new HashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            p.put(pairs[i], pairs[i + 1]);
        }
        return StreamDeclaration.of(stream, mode, p::get, List.of(stream.toLowerCase() + ".a")); // the activation's subject
    }

    private StreamConfiguration apply(StreamDeclaration d) throws Exception {
        return d.apply(jsm, client.getServerInfo(), "test").getConfiguration();
    }

    @Test
    void atomicPublishWhenSupportedIsOnWhereTheServerHasItAndOffWithoutFailingElsewhere() throws Exception {
        boolean supported = NatsServer.atLeast("2.12.0");
        jsm.addStream(StreamConfiguration.builder().name("WHEN").subjects("when.a").storageType(StorageType.Memory)
                .build());
        StreamConfiguration c = apply(declare("WHEN", "ensure", "streamAllowAtomicPublish", "whenSupported"));
        assertEquals(supported, c.getAllowAtomicPublish(), "an existing stream is updated where the server can");
        assertEquals(supported, apply(declare("WHEN2", "ensure", "streamAllowAtomicPublish", " WhenSupported "))
                .getAllowAtomicPublish(), "a created stream");
        apply(declare("WHEN2", "verify", "streamAllowAtomicPublish", "whenSupported"));
        InvalidPropertyException e = assertThrows(InvalidPropertyException.class,
                () -> declare("WHEN3", "ensure", "streamAllowAtomicPublish", "maybe"));
        assertTrue(e.getMessage().contains("'streamAllowAtomicPublish'") && e.getMessage().contains("'maybe'")
                && e.getMessage().contains("whenSupported"), e.getMessage());
    }

    @Test
    void aStreamIsCreatedWithEverySettingAndTheServerHoldsEachAsDeclared() throws Exception {
        List<String> pairs = new java.util.ArrayList<>(List.of(
                "streamSubjects", "every.a, every.b.>",
                "streamStorage", "memory",
                "streamReplicas", "1",
                "streamRetention", "interest",
                "streamMaxAge", "PT2H",
                "streamMaxMessages", "5000",
                "streamMaxBytes", "10485760",
                "streamMaxMessagesPerSubject", "100",
                "streamMaxMessageSize", "65536",
                "streamDiscard", "new",
                "streamDiscardNewPerSubject", "true",
                "streamDuplicateWindow", "PT30S",
                "streamAllowRollup", "true",
                "streamDenyDelete", "true",
                "streamDenyPurge", "false", // the server refuses roll-ups without purges
                "streamDescription", "orders, owned by the order team"));
        if (NatsServer.atLeast("2.10.0")) {
            pairs.addAll(List.of("streamCompression", "s2"));
        }
        if (NatsServer.atLeast("2.11.0")) {
            pairs.addAll(List.of("streamAllowMessageTtl", "true"));
        }
        if (NatsServer.atLeast("2.12.0")) {
            pairs.addAll(List.of("streamAllowAtomicPublish", "true"));
        }
        apply(declare("EVERY", "ensure", pairs.toArray(String[]::new)));

        StreamConfiguration c = jsm.getStreamInfo("EVERY").getConfiguration(); // as the server holds it
        assertEquals(java.util.Set.of("every.a", "every.b.>"), java.util.Set.copyOf(c.getSubjects()));
        assertEquals(StorageType.Memory, c.getStorageType());
        assertEquals(1, c.getReplicas());
        assertEquals(RetentionPolicy.Interest, c.getRetentionPolicy());
        assertEquals(Duration.ofHours(2), c.getMaxAge());
        assertEquals(5000, c.getMaxMsgs());
        assertEquals(10_485_760, c.getMaxBytes());
        assertEquals(100, c.getMaxMsgsPerSubject());
        assertEquals(65_536, c.getMaxMsgSize());
        assertEquals(DiscardPolicy.New, c.getDiscardPolicy());
        assertTrue(c.isDiscardNewPerSubject());
        assertEquals(Duration.ofSeconds(30), c.getDuplicateWindow());
        assertTrue(c.getAllowRollup());
        assertTrue(c.getDenyDelete());
        assertFalse(c.getDenyPurge());
        assertEquals("orders, owned by the order team", c.getDescription());
        assertEquals(NatsServer.atLeast("2.10.0") ? CompressionOption.S2 : CompressionOption.None, c.getCompressionOption());
        assertEquals(NatsServer.atLeast("2.11.0"), c.getAllowMessageTtl());
        assertEquals(NatsServer.atLeast("2.12.0"), c.getAllowAtomicPublish());
        assertTrue(infos.stream().anyMatch(i -> i.contains("created stream EVERY") && i.contains("streamStorage=memory")),
                infos.toString());
    }

    @Test
    void aSettingThatMayChangeIsUpdatedAndTheChangeLogged() throws Exception {
        jsm.addStream(StreamConfiguration.builder().name("AGING").subjects("aging.>").maxMessages(10).build());
        apply(declare("AGING", "ensure", "streamMaxAge", "PT1H", "streamMaxMessages", "20"));
        StreamConfiguration c = jsm.getStreamInfo("AGING").getConfiguration();
        assertEquals(Duration.ofHours(1), c.getMaxAge());
        assertEquals(20, c.getMaxMsgs());
        assertTrue(infos.stream().anyMatch(i -> i.contains("updated stream AGING")
                && i.contains("streamMaxAge PT0S -> PT1H") && i.contains("streamMaxMessages 10 -> 20")), infos.toString());

        infos.clear();
        apply(declare("AGING", "ensure", "streamMaxAge", "PT1H"));
        assertFalse(infos.stream().anyMatch(i -> i.contains("updated")), "nothing to change: " + infos);
    }

    @Test
    void aSettingAnExistingStreamCannotChangeFailsNamingStreamSettingAndBothValues() throws Exception {
        jsm.addStream(StreamConfiguration.builder().name("HELD").subjects("held.>").storageType(StorageType.Memory)
                .denyDelete(true).build());
        StreamDeclarationException e = assertThrows(StreamDeclarationException.class, () -> apply(declare("HELD",
                "ensure", "streamStorage", "file", "streamDenyDelete", "false", "streamMaxAge", "PT1H")));
        assertTrue(e.getMessage().contains("Stream 'HELD'")
                && e.getMessage().contains("streamStorage is memory on the server, declared file")
                && e.getMessage().contains("streamDenyDelete is true on the server, declared false"), e.getMessage());
        StreamConfiguration c = jsm.getStreamInfo("HELD").getConfiguration();
        assertEquals(Duration.ZERO, c.getMaxAge(), "nothing changed, not even what could have");

        StreamDeclarationException q = assertThrows(StreamDeclarationException.class,
                () -> apply(declare("HELD", "ensure", "streamStorage", "memory", "streamRetention", "workqueue")));
        assertTrue(q.getMessage().contains("streamRetention is limits on the server, declared workqueue"), q.getMessage());
    }

    @Test
    void verifyNeverCreatesNorChangesAndNamesEveryDifference() throws Exception {
        StreamDeclarationException absent = assertThrows(StreamDeclarationException.class,
                () -> apply(declare("OWNED", "verify", "streamMaxAge", "PT1H")));
        assertTrue(absent.getMessage().contains("'OWNED'") && absent.getMessage().contains("verify"), absent.getMessage());
        assertThrows(JetStreamApiException.class, () -> jsm.getStreamInfo("OWNED"), "not created");

        jsm.addStream(StreamConfiguration.builder().name("OWNED").subjects("owned.>").maxMessages(10).build());
        StreamDeclarationException differs = assertThrows(StreamDeclarationException.class,
                () -> apply(declare("OWNED", "verify", "streamMaxAge", "PT1H", "streamMaxMessages", "10")));
        assertTrue(differs.getMessage().contains("streamMaxAge is PT0S on the server, declared PT1H"), differs.getMessage());
        assertEquals(Duration.ZERO, jsm.getStreamInfo("OWNED").getConfiguration().getMaxAge(), "left as it was");

        apply(declare("OWNED", "verify", "streamMaxMessages", "10", "streamSubjects", "owned.>")); // matches: fine
    }

    @Test
    void settingsTheServerIsTooOldForAreRefusedNamingBothVersions() throws Exception {
        assumeFalse(NatsServer.atLeast("2.12.0"), "the newest server supports every setting");
        String setting = !NatsServer.atLeast("2.10.0") ? "streamCompression" : "streamAllowAtomicPublish";
        String value = setting.equals("streamCompression") ? "s2" : "true";
        String needs = setting.equals("streamCompression") ? "2.10.0" : "2.12.0";
        StreamDeclarationException e = assertThrows(StreamDeclarationException.class,
                () -> apply(declare("OLD", "ensure", setting, value)));
        assertTrue(e.getMessage().contains("'" + setting + "'") && e.getMessage().contains(needs)
                && e.getMessage().contains(NatsServer.version()), e.getMessage());
        assertThrows(JetStreamApiException.class, () -> jsm.getStreamInfo("OLD"), "not created without it");

        if (!NatsServer.atLeast("2.11.0")) {
            StreamDeclarationException ttl = assertThrows(StreamDeclarationException.class,
                    () -> apply(declare("OLD", "ensure", "streamAllowMessageTtl", "true")));
            assertTrue(ttl.getMessage().contains("2.11.0"), ttl.getMessage());
        }
    }

    @Test
    void aCombinationTheServerRefusesFailsNamingTheStreamAndTheServersReason() throws Exception {
        StreamDeclarationException e = assertThrows(StreamDeclarationException.class, () -> apply(declare("BOTH",
                "ensure", "streamAllowRollup", "true", "streamDenyPurge", "true")));
        assertTrue(e.getMessage().contains("Stream 'BOTH'") && e.getMessage().contains("roll-ups require the purge"),
                e.getMessage());
    }

    @Test
    void ensureComparesOnlyWhatIsDeclaredNotTheDefaultsOfACreate() throws Exception {
        jsm.addStream(StreamConfiguration.builder().name("ORD").subjects("ord.>").storageType(StorageType.Memory)
                .build());
        // The activation's subject ord.placed would be a created stream's subjects; memory is not file.
        StreamDeclaration d = StreamDeclaration.of("ORD", "ensure",
                java.util.Map.of("streamMaxAge", "PT1H")::get, List.of("ord.placed"));
        d.apply(jsm, client.getServerInfo(), "test");
        StreamConfiguration c = jsm.getStreamInfo("ORD").getConfiguration();
        assertEquals(List.of("ord.>"), c.getSubjects(), "subjects left as they were");
        assertEquals(StorageType.Memory, c.getStorageType());
        assertEquals(Duration.ofHours(1), c.getMaxAge());
    }

    @Test
    void aMaxAgeBelowTheDuplicateWindowShortensTheWindowToo() throws Exception {
        jsm.addStream(StreamConfiguration.builder().name("SHORT").subjects("short.>").build()); // window 2 min
        apply(declare("SHORT", "ensure", "streamMaxAge", "PT1M"));
        StreamConfiguration c = jsm.getStreamInfo("SHORT").getConfiguration();
        assertEquals(Duration.ofMinutes(1), c.getMaxAge());
        assertEquals(Duration.ofMinutes(1), c.getDuplicateWindow());
    }

    @Test
    void activationsEnsuringOneStreamAtOnceNeverLoseTheOthersSetting() throws Exception {
        for (int round = 0; round < 10; round++) {
            String name = "RACE" + round;
            jsm.addStream(StreamConfiguration.builder().name(name).subjects("race" + round + ".>").build());
            StreamDeclaration age = declare(name, "ensure", "streamMaxAge", "PT1H");
            StreamDeclaration count = declare(name, "ensure", "streamMaxMessages", "77");
            java.util.concurrent.CompletableFuture<?> a = java.util.concurrent.CompletableFuture.runAsync(() -> run(age));
            java.util.concurrent.CompletableFuture<?> b = java.util.concurrent.CompletableFuture.runAsync(() -> run(count));
            a.get(30, java.util.concurrent.TimeUnit.SECONDS);
            b.get(30, java.util.concurrent.TimeUnit.SECONDS);
            StreamConfiguration c = jsm.getStreamInfo(name).getConfiguration();
            assertEquals(Duration.ofHours(1), c.getMaxAge(), "round " + round);
            assertEquals(77, c.getMaxMsgs(), "round " + round);
        }
    }

    private void run(StreamDeclaration d) {
        try {
            apply(d);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void declaredSubjectsMustCoverTheActivationsBeforeAnythingChanges() throws Exception {
        InvalidPropertyException e = assertThrows(InvalidPropertyException.class, () -> StreamDeclaration.of("S",
                "ensure", java.util.Map.of("streamSubjects", "order.>")::get, List.of("orders.placed")));
        assertTrue(e.getMessage().contains("'streamSubjects'") && e.getMessage().contains("'orders.placed'"),
                e.getMessage());
        StreamDeclaration.of("S", "ensure", java.util.Map.of("streamSubjects", "orders.*, audit.>")::get,
                List.of("orders.placed", "audit.x.y"));
    }

    @Test
    void disagreeingDeclarationsOfOneStreamAreNamed() throws Exception {
        StreamDeclaration a = declare("S", "ensure", "streamMaxAge", "PT1H", "streamStorage", "file");
        StreamDeclaration b = declare("S", "ensure", "streamMaxAge", "PT2H", "streamReplicas", "1");
        assertEquals("streamMaxAge PT1H here, PT2H there", a.conflictWith(b));
        assertEquals(null, a.conflictWith(declare("S", "verify", "streamStorage", "file")));
        assertEquals(null, a.conflictWith(declare("OTHER", "ensure", "streamMaxAge", "PT2H")));
    }

    @Test
    void propertiesAreValidatedNamingPropertyAndValue() {
        for (String[] bad : new String[][] {{"streamStorage", "disk"}, {"streamRetention", "forever"},
                {"streamMaxMessages", "0"}, {"streamMaxAge", "soon"}, {"streamDenyPurge", "yes"},
                {"streamReplicas", "7"}, {"streamCompression", "zip"}, {"streamSubjects", "a b"},
                {"streamMaxMessageSize", "3000000000"}}) {
            InvalidPropertyException e = assertThrows(InvalidPropertyException.class,
                    () -> declare("S", "ensure", bad[0], bad[1]));
            assertTrue(e.getMessage().contains("'" + bad[0] + "'") && e.getMessage().contains(bad[1]), e.getMessage());
        }
        InvalidPropertyException mode = assertThrows(InvalidPropertyException.class, () -> declare("S", "sometimes"));
        assertTrue(mode.getMessage().contains("'streamDeclaration'") && mode.getMessage().contains("'sometimes'"));
        InvalidPropertyException none = assertThrows(InvalidPropertyException.class,
                () -> declare("S", null, "streamStorage", "file"));
        assertTrue(none.getMessage().contains("'streamStorage'") && none.getMessage().contains("streamDeclaration"),
                none.getMessage());
    }
}
