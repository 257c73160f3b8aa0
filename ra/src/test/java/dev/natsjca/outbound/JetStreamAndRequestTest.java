package dev.natsjca.outbound;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.natsjca.api.NatsConnection;
import dev.natsjca.api.NatsConnectionFactory;
import dev.natsjca.api.NatsException;
import dev.natsjca.api.NatsExpectedSequenceException;
import dev.natsjca.api.NatsTimeoutException;
import dev.natsjca.testing.NatsServerExtension;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.JetStreamManagement;
import io.nats.client.KeyValue;
import io.nats.client.KeyValueOptions;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.PublishOptions;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.MessageInfo;
import io.nats.client.api.PublishAck;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.impl.Headers;

/** JetStream publish, request/reply and key-value access through a connection handle. */
class JetStreamAndRequestTest {

    private static final Duration WAIT = Duration.ofSeconds(5);

    @RegisterExtension
    static final NatsServerExtension NATS = NatsServerExtension.onFreePort();

    private NatsConnection handle;

    @BeforeEach
    void open() {
        NatsManagedConnectionFactory mcf = new NatsManagedConnectionFactory();
        mcf.setServerUrls(NATS.server().url());
        handle = ((NatsConnectionFactory) mcf.createConnectionFactory()).getConnection();
    }

    @AfterEach
    void close() {
        handle.close();
    }

    private JetStreamManagement streamFor(String name, String subjects) throws Exception {
        JetStreamManagement jsm = handle.jetStreamManagement();
        jsm.addStream(StreamConfiguration.builder().name(name).subjects(subjects).storageType(StorageType.File).build());
        return jsm;
    }

    private PublishAck publish(String subject, Headers headers, String body, PublishOptions options) {
        return handle.jetStreamPublish(subject, headers, body.getBytes(StandardCharsets.UTF_8), options)
                .toCompletableFuture().join();
    }

    @Test
    void aMessageWithATtlExpiresFromAStreamThatAllowsIt() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(dev.natsjca.testing.NatsServer.atLeast("2.11.0"));
        JetStreamManagement jsm = handle.jetStreamManagement();
        jsm.addStream(StreamConfiguration.builder().name("TTL").subjects("ttl.>").allowMessageTtl(true).build());
        publish("ttl.short", null, "gone soon", PublishOptions.builder().messageTtlSeconds(1).build());
        publish("ttl.kept", null, "kept", null);
        assertEquals(2, jsm.getStreamInfo("TTL").getStreamState().getMsgCount());
        dev.natsjca.testing.Await.untilServer(Duration.ofSeconds(20), "the 1 s message expired",
                () -> jsm.getStreamInfo("TTL").getStreamState().getMsgCount() == 1);
        assertEquals("kept", new String(jsm.getLastMessage("TTL", "ttl.kept").getData(), StandardCharsets.UTF_8));
    }

    @Test
    void aTtlOnAStreamThatDoesNotAllowItIsRefusedNamingTheSubject() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(dev.natsjca.testing.NatsServer.atLeast("2.11.0"));
        JetStreamManagement jsm = streamFor("NOTTL", "nottl.>");
        NatsException e = assertThrows(NatsException.class, () -> publish("nottl.a", null, "x",
                PublishOptions.builder().messageTtlSeconds(5).build()));
        assertTrue(e.getMessage().contains("'nottl.a'") && e.getMessage().toLowerCase().contains("ttl"), e.getMessage());
        assertEquals(0, jsm.getStreamInfo("NOTTL").getStreamState().getMsgCount());
    }

    @Test
    void aTtlHeaderSpelledOtherwiseIsRefusedNotIgnored() throws Exception {
        JetStreamManagement jsm = streamFor("CASETTL", "casettl.>");
        NatsException e = assertThrows(NatsException.class, () -> publish("casettl.a",
                new Headers().put("nats-ttl", "5s"), "x", null));
        assertTrue(e.getMessage().contains("'casettl.a'") && e.getMessage().contains("'nats-ttl'")
                && e.getMessage().contains("'Nats-TTL'"), e.getMessage());
        assertThrows(NatsException.class, () -> handle.publish("casettl.b", new Headers().put("NATS-TTL", "5s"),
                new byte[] {1}));
        assertEquals(0, jsm.getStreamInfo("CASETTL").getStreamState().getMsgCount());
    }

    @Test
    void aTtlOnAServerTooOldForItIsRefusedNotStoredForever() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeFalse(dev.natsjca.testing.NatsServer.atLeast("2.11.0"));
        JetStreamManagement jsm = streamFor("OLDTTL", "oldttl.>");
        NatsException e = assertThrows(NatsException.class, () -> publish("oldttl.a", null, "x",
                PublishOptions.builder().messageTtlSeconds(5).build()));
        assertTrue(e.getMessage().contains("'oldttl.a'") && e.getMessage().contains("2.11.0")
                && e.getMessage().contains(dev.natsjca.testing.NatsServer.version()), e.getMessage());
        NatsException header = assertThrows(NatsException.class, () -> publish("oldttl.a",
                new Headers().put("Nats-TTL", "5s"), "x", null));
        assertTrue(header.getMessage().contains("2.11.0"), header.getMessage());
        NatsException core = assertThrows(NatsException.class, () -> handle.publish("oldttl.b",
                new Headers().put("Nats-TTL", "5s"), new byte[] {1})); // a stream stores core publishes too
        assertTrue(core.getMessage().contains("2.11.0"), core.getMessage());
        assertEquals(0, jsm.getStreamInfo("OLDTTL").getStreamState().getMsgCount(), "nothing stored without its TTL");
    }

    @Test
    void publishReturnsStreamSequencesAndCarriesAMessageId() throws Exception {
        JetStreamManagement jsm = streamFor("SEQ", "seq.>");
        PublishAck first = publish("seq.a", null, "one", null);
        PublishAck second = publish("seq.a", new Headers().put("K", "v"), "two", null);
        assertEquals("SEQ", first.getStream());
        assertEquals(1, first.getSeqno());
        assertEquals(2, second.getSeqno());
        MessageInfo stored = jsm.getMessage("SEQ", 2);
        assertNotNull(stored.getHeaders().getFirst("Nats-Msg-Id"), "a message id is generated when none is given");
        assertEquals("v", stored.getHeaders().getFirst("K"));
        assertArrayEquals("two".getBytes(StandardCharsets.UTF_8), stored.getData());
    }

    @Test
    void sameMessageIdTwiceIsStoredOnce() throws Exception {
        JetStreamManagement jsm = streamFor("DEDUP", "dedup.>");
        PublishOptions id = PublishOptions.builder().messageId("order-17").build();
        PublishAck first = publish("dedup.x", null, "payload", id);
        PublishAck again = publish("dedup.x", null, "payload", id);
        assertFalse(first.isDuplicate());
        assertTrue(again.isDuplicate());
        assertEquals(first.getSeqno(), again.getSeqno());
        assertEquals(1, jsm.getStreamInfo("DEDUP").getStreamState().getMsgCount());

        PublishAck viaHeader = publish("dedup.x", new Headers().put("Nats-Msg-Id", "order-17"), "payload", null);
        assertTrue(viaHeader.isDuplicate(), "an application's Nats-Msg-Id header is kept, not replaced");
    }

    @Test
    void expectedLastSubjectSequenceMismatchIsADistinctException() throws Exception {
        streamFor("OCC", "occ.>");
        PublishAck first = publish("occ.account", null, "v1", null);
        PublishAck second = publish("occ.account", null, "v2",
                PublishOptions.builder().expectedLastSubjectSequence(first.getSeqno()).build());
        assertEquals(2, second.getSeqno());
        NatsExpectedSequenceException e = assertThrows(NatsExpectedSequenceException.class,
                () -> publish("occ.account", null, "stale", PublishOptions.builder()
                        .expectedLastSubjectSequence(first.getSeqno()).build()));
        assertTrue(e.getMessage().contains("'occ.account'"), e.getMessage());
    }

    @Test
    void publishWithoutAStreamFailsNamingTheSubject() {
        NatsException e = assertThrows(NatsException.class, () -> publish("nostream.here", null, "x",
                PublishOptions.builder().streamTimeout(Duration.ofMillis(500)).build()));
        assertTrue(e.getMessage().contains("'nostream.here'"), e.getMessage());
    }

    @Test
    void requestReply() throws Exception {
        try (Connection service = Nats.connect(NATS.server().url())) {
            Dispatcher d = service.createDispatcher(m -> service.publish(m.getReplyTo(),
                    ("echo:" + new String(m.getData(), StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8)));
            d.subscribe("svc.echo");
            service.flush(WAIT);
            Message reply = handle.request("svc.echo", null, "hi".getBytes(StandardCharsets.UTF_8), WAIT);
            assertEquals("echo:hi", new String(reply.getData(), StandardCharsets.UTF_8));
        }
        NatsTimeoutException e = assertThrows(NatsTimeoutException.class,
                () -> handle.request("svc.nobody", null, new byte[0], Duration.ofMillis(300)));
        assertTrue(e.getMessage().contains("'svc.nobody'"), e.getMessage());
    }

    @Test
    void keyValueThroughTheHandle() throws Exception {
        handle.keyValueManagement().create(KeyValueConfiguration.builder().name("settings").build());
        KeyValue kv = handle.keyValue("settings");
        long revision = kv.put("color", "blue".getBytes(StandardCharsets.UTF_8));
        assertEquals("blue", new String(kv.get("color").getValue(), StandardCharsets.UTF_8));
        assertEquals(revision, kv.get("color").getRevision());
    }

    @Test
    void keyValueWithOptionsThroughTheHandle() throws Exception {
        KeyValueOptions options = KeyValueOptions.builder().jsRequestTimeout(Duration.ofMillis(700)).build();
        handle.keyValueManagement(options).create(KeyValueConfiguration.builder().name("tuned").build());
        KeyValue kv = handle.keyValue("tuned", options);
        kv.put("k", "v".getBytes(StandardCharsets.UTF_8));
        assertEquals("v", new String(kv.get("k").getValue(), StandardCharsets.UTF_8));
        NatsException missing = assertThrows(NatsException.class, () -> handle.keyValue("no_such_bucket", options));
        assertTrue(missing.getMessage().contains("'no_such_bucket'"), missing.getMessage());
    }

    @Test
    void closedHandleRefusesEverything() {
        handle.close();
        assertThrows(IllegalStateException.class, () -> handle.keyValue("settings"));
        assertThrows(IllegalStateException.class, () -> handle.keyValue("settings", null));
        assertThrows(IllegalStateException.class, () -> handle.keyValueManagement(null));
        assertThrows(IllegalStateException.class, handle::jetStreamManagement);
        assertThrows(IllegalStateException.class, () -> handle.request("svc.echo", null, new byte[0], WAIT));
        assertThrows(IllegalStateException.class, () -> handle.jetStreamPublish("seq.a", null, new byte[0], null));
    }
}
