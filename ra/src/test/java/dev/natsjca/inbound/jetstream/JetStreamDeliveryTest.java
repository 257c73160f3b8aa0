package dev.natsjca.inbound.jetstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.natsjca.api.NatsHeaders;
import dev.natsjca.inbound.NatsActivationSpec;
import dev.natsjca.testing.Await;
import dev.natsjca.testing.NatsServer;
import dev.natsjca.testing.NatsServerExtension;
import dev.natsjca.testing.Specs;
import dev.natsjca.testing.StartedAdapter;
import dev.natsjca.testing.TestEndpointFactory;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.api.StorageType;
import io.nats.client.api.MessageInfo;
import io.nats.client.api.StreamConfiguration;
import jakarta.resource.ResourceException;
import jakarta.resource.spi.InvalidPropertyException;

/** JetStream consumption through the adapter, with a real nats-server and the in-test JCA harness. */
class JetStreamDeliveryTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @RegisterExtension
    static final NatsServerExtension NATS = NatsServerExtension.onFreePort();

    private StartedAdapter started;
    private Connection client;
    private JetStreamManagement jsm;
    private JetStream js;

    @BeforeEach
    void start() throws Exception {
        started = new StartedAdapter(NATS.server().url(), 8);
        client = Nats.connect(NATS.server().url());
        jsm = client.jetStreamManagement();
        js = client.jetStream();
    }

    @AfterEach
    void stop() throws Exception {
        started.close();
        client.close();
    }

    private void stream(String name, String... subjects) throws Exception {
        jsm.addStream(StreamConfiguration.builder().name(name).subjects(subjects).build());
    }

    private static String body(TestEndpointFactory.Received r) {
        return new String(r.data(), StandardCharsets.UTF_8);
    }

    private long ackFloor(String stream, String durable) {
        return ackFloor(jsm, stream, durable);
    }

    private static long ackFloor(JetStreamManagement m, String stream, String durable) {
        try {
            return m.getConsumerInfo(stream, durable).getAckFloor().getStreamSequence();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void thousandMessagesWithConcurrencyFourAreAllProcessedAndAcked() throws Exception {
        stream("BULK", "bulk.>");
        int n = 1000;
        for (int i = 0; i < n; i++) {
            js.publish("bulk.item", Integer.toString(i).getBytes(StandardCharsets.UTF_8));
        }
        TestEndpointFactory endpoint = new TestEndpointFactory("bulk");
        NatsActivationSpec spec = Specs.of("bulk.>", "BULK", "bulk-worker");
        spec.setMaxConcurrency("4");
        started.adapter().endpointActivation(endpoint, spec);

        Set<String> seen = ConcurrentHashMap.newKeySet();
        Await.until(WAIT, () -> "all processed, distinct " + seen.size(), () -> {
            endpoint.received().forEach(r -> seen.add(body(r)));
            return seen.size() == n;
        });
        Await.until(WAIT, "ack floor at the last sequence", () -> {
            try {
                return ackFloor("BULK", "bulk-worker") == n;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertTrue(endpoint.maxInFlight() <= 4, "in flight " + endpoint.maxInFlight());
        assertTrue(endpoint.received().stream().allMatch(r -> r.thread().startsWith("test-wm-")));
    }

    @Test
    void failuresAreRedeliveredAfterTheBackoffThenAcked() throws Exception {
        stream("FLAKY", "flaky.>");
        Map<String, List<Long>> attempts = new ConcurrentHashMap<>();
        TestEndpointFactory endpoint = new TestEndpointFactory("flaky", m -> {
            String b = new String(m.data(), StandardCharsets.UTF_8);
            List<Long> times = attempts.computeIfAbsent(b, k -> new CopyOnWriteArrayList<>());
            times.add(System.nanoTime());
            if (b.startsWith("flaky") && times.size() <= 2) {
                throw new IllegalStateException("transient failure " + times.size());
            }
        });
        NatsActivationSpec spec = Specs.of("flaky.>", "FLAKY", "flaky-worker");
        spec.setBackoff("300,600");
        spec.setMaxDeliver("5");
        started.adapter().endpointActivation(endpoint, spec);
        js.publish("flaky.a", "flaky-1".getBytes(StandardCharsets.UTF_8));
        js.publish("flaky.a", "fine-1".getBytes(StandardCharsets.UTF_8));

        Await.until(WAIT, "both acked", () -> {
            try {
                return ackFloor("FLAKY", "flaky-worker") == 2;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        List<Long> t = attempts.get("flaky-1");
        assertEquals(3, t.size(), "two failures, then success");
        assertEquals(1, attempts.get("fine-1").size());
        // nak delays are minimum delays: the 1st retry waits >= 300 ms, the 2nd >= 600 ms
        assertTrue(t.get(1) - t.get(0) >= Duration.ofMillis(280).toNanos(), "first backoff too short");
        assertTrue(t.get(2) - t.get(1) >= Duration.ofMillis(580).toNanos(), "second backoff too short");
    }

    @Test
    void poisonMessageIsDeadLetteredOnceAfterExactlyMaxDeliverAndOthersFlow() throws Exception {
        stream("ORD", "ord.>");
        stream("DLQ", "dlq.>");
        Map<String, Integer> attempts = new ConcurrentHashMap<>();
        TestEndpointFactory endpoint = new TestEndpointFactory("poison", m -> {
            String b = new String(m.data(), StandardCharsets.UTF_8);
            attempts.merge(b, 1, Integer::sum);
            if (b.equals("poison")) {
                throw new IllegalArgumentException("cannot process poison");
            }
        });
        NatsActivationSpec spec = Specs.of("ord.placed", "ORD", "ord-worker");
        spec.setMaxDeliver("3");
        spec.setDeadLetterSubject("dlq.ord");
        started.adapter().endpointActivation(endpoint, spec);
        io.nats.client.impl.Headers h = new io.nats.client.impl.Headers().put("Trace-Id", "t-9");
        long seq = js.publish("ord.placed", h, "poison".getBytes(StandardCharsets.UTF_8)).getSeqno();
        for (int i = 0; i < 5; i++) {
            js.publish("ord.placed", ("ok-" + i).getBytes(StandardCharsets.UTF_8));
        }

        Await.until(WAIT, "one dead letter", () -> {
            try {
                return jsm.getStreamInfo("DLQ").getStreamState().getMsgCount() == 1;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Await.until(WAIT, "everything settled", () -> {
            try {
                return ackFloor("ORD", "ord-worker") == 6;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertEquals(3, attempts.get("poison"), "attempts before dead-lettering");
        for (int i = 0; i < 5; i++) {
            assertEquals(1, attempts.get("ok-" + i), "messages behind the poison one");
        }
        MessageInfo dead = jsm.getMessage("DLQ", 1);
        assertEquals("poison", new String(dead.getData(), StandardCharsets.UTF_8));
        assertEquals("t-9", dead.getHeaders().getFirst("Trace-Id"), "original headers kept");
        assertEquals("ord.placed", dead.getHeaders().getFirst(NatsHeaders.DEAD_LETTER_SUBJECT));
        assertEquals("ORD", dead.getHeaders().getFirst(NatsHeaders.DEAD_LETTER_STREAM));
        assertEquals(Long.toString(seq), dead.getHeaders().getFirst(NatsHeaders.DEAD_LETTER_SEQUENCE));
        assertEquals("3", dead.getHeaders().getFirst(NatsHeaders.DEAD_LETTER_DELIVERIES));
        assertTrue(dead.getHeaders().getFirst(NatsHeaders.DEAD_LETTER_REASON).contains("cannot process poison"));
        assertEquals(1, jsm.getStreamInfo("DLQ").getStreamState().getMsgCount(), "dead-lettered more than once");
    }

    @Test
    void messagesCarryTheirJetStreamMetadataAndEndpointsMayTerminate() throws Exception {
        stream("META", "meta.>");
        List<String> metadata = new CopyOnWriteArrayList<>();
        Map<String, Integer> attempts = new ConcurrentHashMap<>();
        TestEndpointFactory endpoint = new TestEndpointFactory("meta", m -> {
            String b = new String(m.data(), StandardCharsets.UTF_8);
            attempts.merge(b, 1, Integer::sum);
            m.inProgress();
            metadata.add(b + ":" + m.isJetStream() + ":" + m.stream() + ":" + m.streamSequence() + ":"
                    + m.deliveryCount() + ":" + (m.timestamp() != null));
            if (b.equals("give-up")) {
                m.term();
                throw new IllegalStateException("terminated by the endpoint");
            }
        });
        NatsActivationSpec spec = Specs.of("meta.x", "META", "meta-worker");
        spec.setDeadLetterSubject("metadead.x");
        spec.setMaxDeliver("1"); // the endpoint's term() must win over dead-lettering on the last attempt
        stream("METADLQ", "metadead.x");
        started.adapter().endpointActivation(endpoint, spec);
        js.publish("meta.x", "give-up".getBytes(StandardCharsets.UTF_8));
        js.publish("meta.x", "normal".getBytes(StandardCharsets.UTF_8));
        Await.until(WAIT, "the normal message acked", () -> {
            try {
                return jsm.getConsumerInfo("META", "meta-worker").getAckFloor().getStreamSequence() == 2;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertTrue(metadata.contains("give-up:true:META:1:1:true"), metadata.toString());
        assertTrue(metadata.contains("normal:true:META:2:1:true"), metadata.toString());
        assertEquals(1, attempts.get("give-up"), "a terminated message was redelivered");
        assertEquals(0, jsm.getStreamInfo("METADLQ").getStreamState().getMsgCount(), "terminated, not dead-lettered");
    }

    @Test
    void transactedDeliveryIsAckedAtCommitAndNakedAtRollback() throws Exception {
        stream("TXIN", "txin.>");
        Map<String, Integer> attempts = new ConcurrentHashMap<>();
        TestEndpointFactory endpoint = new TestEndpointFactory("tx",
                m -> attempts.merge(new String(m.data(), StandardCharsets.UTF_8), 1, Integer::sum));
        // Roll back the first delivery of "rollback-once" without throwing (setRollbackOnly).
        endpoint.transacted(m -> new String(m.data(), StandardCharsets.UTF_8).equals("rollback-once")
                && m.deliveryCount() == 1);
        NatsActivationSpec spec = Specs.of("txin.x", "TXIN", "tx-worker");
        spec.setBackoff("100");
        started.adapter().endpointActivation(endpoint, spec);
        js.publish("txin.x", "rollback-once".getBytes(StandardCharsets.UTF_8));
        js.publish("txin.x", "commit".getBytes(StandardCharsets.UTF_8));
        Await.until(WAIT, "both acked", () -> {
            try {
                return ackFloor("TXIN", "tx-worker") == 2;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertEquals(2, attempts.get("rollback-once"), "a rolled-back delivery must be redelivered");
        assertEquals(1, attempts.get("commit"));
    }

    @Test
    void twoActivationsOfOneDurableSplitTheWork() throws Exception {
        stream("SHARE", "share.>");
        TestEndpointFactory a = new TestEndpointFactory("a");
        TestEndpointFactory b = new TestEndpointFactory("b");
        started.adapter().endpointActivation(a, Specs.of("share.>", "SHARE", "sharers"));
        started.adapter().endpointActivation(b, Specs.of("share.>", "SHARE", "sharers"));
        int n = 200;
        for (int i = 0; i < n; i++) {
            js.publish("share.x", Integer.toString(i).getBytes(StandardCharsets.UTF_8));
        }
        Await.until(WAIT, () -> "all " + n + ": a=" + a.received().size() + " b=" + b.received().size(),
                () -> a.received().size() + b.received().size() >= n);
        Set<String> all = new HashSet<>();
        a.received().forEach(r -> all.add(body(r)));
        b.received().forEach(r -> all.add(body(r)));
        assertEquals(n, all.size());
        assertFalse(a.received().isEmpty() || b.received().isEmpty(), "one activation did all the work");
    }

    @Test
    void unparseablePayloadIsAFailureDeadLetteredWithTheParseErrorWhileLaterMessagesFlow() throws Exception {
        stream("PB", "pb.>");
        List<Long> parsed = new CopyOnWriteArrayList<>();
        TestEndpointFactory endpoint = new TestEndpointFactory("parser",
                m -> parsed.add(m.payload(com.google.protobuf.Timestamp.class).getSeconds()));
        NatsActivationSpec spec = Specs.of("pb.in", "PB", "pb-worker");
        spec.setMaxDeliver("2");
        spec.setDeadLetterSubject("pb.dlq");
        started.adapter().endpointActivation(endpoint, spec);
        js.publish("pb.in", new byte[] {(byte) 0xFF, (byte) 0xFF});
        long good = js.publish("pb.in", com.google.protobuf.Timestamp.newBuilder().setSeconds(42).build()
                .toByteArray()).getSeqno();
        // The dead letter lands in the same stream (pb.>): the filtered floor may pass over its sequence.
        Await.until(WAIT, "both settled", () -> ackFloor("PB", "pb-worker") >= good);
        assertEquals(List.of(42L), parsed);
        MessageInfo dead = jsm.getLastMessage("PB", "pb.dlq");
        String reason = dead.getHeaders().getFirst(NatsHeaders.DEAD_LETTER_REASON);
        assertTrue(reason.contains("NatsPayloadException") && reason.contains("is not a valid 'google.protobuf.Timestamp'")
                && reason.contains("InvalidProtocolBufferException"), reason);
        assertEquals("2", dead.getHeaders().getFirst(NatsHeaders.DEAD_LETTER_DELIVERIES));
    }

    @Test
    void aRedeployedDurableResumesWithExactlyWhatWasPublishedMeanwhile() throws Exception {
        stream("RESUME", "resume.>");
        TestEndpointFactory first = new TestEndpointFactory("first");
        NatsActivationSpec spec = Specs.of("resume.>", "RESUME", "resumer");
        started.adapter().endpointActivation(first, spec);
        for (int i = 0; i < 10; i++) {
            js.publish("resume.x", ("before-" + i).getBytes(StandardCharsets.UTF_8));
        }
        Await.until(WAIT, "the first ten acked", () -> ackFloor("RESUME", "resumer") == 10);
        started.adapter().endpointDeactivation(first, spec);
        assertEquals("resumer", jsm.getConsumerInfo("RESUME", "resumer").getName(), "deactivation deleted the durable");

        for (int i = 0; i < 100; i++) {
            js.publish("resume.x", ("while-away-" + i).getBytes(StandardCharsets.UTF_8));
        }
        TestEndpointFactory second = new TestEndpointFactory("second");
        started.adapter().endpointActivation(second, Specs.of("resume.>", "RESUME", "resumer"));
        Await.until(WAIT, "ack floor at the last sequence", () -> ackFloor("RESUME", "resumer") == 110);
        List<String> got = second.received().stream().map(JetStreamDeliveryTest::body).sorted().toList();
        List<String> expected = java.util.stream.IntStream.range(0, 100).mapToObj(i -> "while-away-" + i).sorted().toList();
        assertEquals(expected, got, "exactly the messages published while no activation ran");
    }

    @Test
    void aDurableAnOperatorSetUpKeepsWhatTheActivationDoesNotSet() throws Exception {
        stream("OPS", "ops.>");
        jsm.addOrUpdateConsumer("OPS", io.nats.client.api.ConsumerConfiguration.builder().durable("ops")
                .filterSubject("ops.x").ackPolicy(io.nats.client.api.AckPolicy.Explicit)
                .description("billing, owned by the ops team").maxPullWaiting(7).maxDeliver(3)
                .ackWait(Duration.ofSeconds(90)).build());
        TestEndpointFactory endpoint = new TestEndpointFactory("ops");
        NatsActivationSpec spec = Specs.of("ops.x", "OPS", "ops");
        spec.setAckWait("45000");
        started.adapter().endpointActivation(endpoint, spec);
        js.publish("ops.x", new byte[] {1});
        Await.until(WAIT, "delivered", () -> endpoint.received().size() == 1);

        io.nats.client.api.ConsumerConfiguration c = jsm.getConsumerInfo("OPS", "ops").getConsumerConfiguration();
        assertEquals("billing, owned by the ops team", c.getDescription());
        assertEquals(7, c.getMaxPullWaiting());
        assertEquals(Duration.ofSeconds(45), c.getAckWait(), "the activation's own setting");
        assertEquals(-1, c.getMaxDeliver(), "the activation counts attempts, not the server");
    }

    @Test
    void severalSubjectsOnOneConsumerDeliverFromEachAndNothingElse() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(dev.natsjca.testing.NatsServer.atLeast("2.10.0"),
                "several filter subjects need nats-server 2.10");
        stream("MULTI", "multi.>");
        TestEndpointFactory endpoint = new TestEndpointFactory("multi");
        started.adapter().endpointActivation(endpoint, Specs.of("multi.placed, multi.cancelled.*", "MULTI", "multi"));
        for (String subject : List.of("multi.placed", "multi.shipped", "multi.cancelled.x", "multi.cancelled",
                "multi.placed.late", "multi.cancelled.y")) {
            js.publish(subject, subject.getBytes(StandardCharsets.UTF_8));
        }
        Await.until(WAIT, () -> "3 delivered, got " + endpoint.received().size(), () -> endpoint.received().size() >= 3);
        // The consumer has nothing more for this activation: the others are not its subjects.
        Await.until(WAIT, "all acked", () -> {
            try {
                io.nats.client.api.ConsumerInfo c = jsm.getConsumerInfo("MULTI", "multi");
                return c.getNumPending() == 0 && c.getNumAckPending() == 0;
            } catch (java.io.IOException | io.nats.client.JetStreamApiException e) {
                return false;
            }
        });
        assertEquals(List.of("multi.placed", "multi.cancelled.x", "multi.cancelled.y"),
                endpoint.received().stream().map(TestEndpointFactory.Received::subject).toList());
        assertEquals(List.of("multi.placed", "multi.cancelled.*"),
                jsm.getConsumerInfo("MULTI", "multi").getConsumerConfiguration().getFilterSubjects());
    }

    @Test
    void severalSubjectsOnAServerTooOldForThemAreRefusedNamingTheVersions() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeFalse(dev.natsjca.testing.NatsServer.atLeast("2.10.0"),
                "the server is new enough");
        stream("OLDMULTI", "oldmulti.>");
        ResourceException e = assertThrows(ResourceException.class, () -> started.adapter().endpointActivation(
                new TestEndpointFactory("old"), Specs.of("oldmulti.a, oldmulti.b", "OLDMULTI", "old")));
        assertTrue(e.getMessage().contains("'subject'") && e.getMessage().contains("2.10.0")
                && e.getMessage().contains(dev.natsjca.testing.NatsServer.version()), e.getMessage());
        assertTrue(jsm.getConsumerNames("OLDMULTI").isEmpty(), "no consumer that would take every subject");
    }

    @Test
    void aDurableWhoseLimitsWouldRefuseEveryPullOrStripTheBodiesIsMadeToDeliver() throws Exception {
        stream("LIMITS", "limits.>");
        jsm.addOrUpdateConsumer("LIMITS", io.nats.client.api.ConsumerConfiguration.builder().durable("limits")
                .filterSubject("limits.x").ackPolicy(io.nats.client.api.AckPolicy.Explicit)
                .maxBatch(5).maxExpires(Duration.ofSeconds(5)).headersOnly(true).build());
        TestEndpointFactory endpoint = new TestEndpointFactory("limits");
        NatsActivationSpec spec = Specs.of("limits.x", "LIMITS", "limits");
        spec.setBatchSize("10");
        started.adapter().endpointActivation(endpoint, spec);
        for (int i = 0; i < 5; i++) {
            js.publish("limits.x", ("body " + i).getBytes(StandardCharsets.UTF_8));
        }
        Await.until(WAIT, () -> "5 delivered, got " + endpoint.received().size(), () -> endpoint.received().size() == 5);
        assertEquals("body 0", new String(endpoint.received().get(0).data(), StandardCharsets.UTF_8), "the whole message");

        io.nats.client.api.ConsumerConfiguration c = jsm.getConsumerInfo("LIMITS", "limits").getConsumerConfiguration();
        assertEquals(10, c.getMaxBatch(), "a batch of 5 at most would refuse every pull of 10");
        assertTrue(c.getMaxExpires().compareTo(Duration.ofSeconds(5)) > 0, "max expires " + c.getMaxExpires());
        assertFalse(c.isHeadersOnly(), "headers only");
    }

    @Test
    void aDeclaredStreamMayHoldItsOwnDeadLettersButAnUnstoredDeadLetterSubjectCreatesNothing() throws Exception {
        NatsActivationSpec self = Specs.of("self.in", "SELF", "self");
        self.setStreamDeclaration("ensure");
        self.setStreamSubjects("self.>");
        self.setDeadLetterSubject("self.dlq");
        started.adapter().endpointActivation(new TestEndpointFactory("self"), self); // created with it
        assertEquals(List.of("self.>"), jsm.getStreamInfo("SELF").getConfiguration().getSubjects());

        NatsActivationSpec lost = Specs.of("lost.in", "LOSTDLQ", "lost");
        lost.setStreamDeclaration("ensure");
        lost.setDeadLetterSubject("nowhere.dlq");
        ResourceException e = assertThrows(ResourceException.class,
                () -> started.adapter().endpointActivation(new TestEndpointFactory("lost"), lost));
        assertTrue(e.getMessage().contains("'deadLetterSubject'") && e.getMessage().contains("'nowhere.dlq'"),
                e.getMessage());
        assertThrows(io.nats.client.JetStreamApiException.class, () -> jsm.getStreamInfo("LOSTDLQ"), "not created");
    }

    @Test
    void activationsDeclaringOneStreamDifferentlyAreRefusedBeforeEitherChangesIt() throws Exception {
        NatsActivationSpec first = Specs.of("agree.a", "AGREE", "agree-a");
        first.setStreamDeclaration("ensure");
        first.setStreamSubjects("agree.>");
        first.setStreamMaxAge("PT1H");
        started.adapter().endpointActivation(new TestEndpointFactory("agree-a"), first);
        NatsActivationSpec second = Specs.of("agree.b", "AGREE", "agree-b");
        second.setStreamDeclaration("ensure");
        second.setStreamMaxAge("PT2H");
        ResourceException e = assertThrows(ResourceException.class,
                () -> started.adapter().endpointActivation(new TestEndpointFactory("agree-b"), second));
        assertTrue(e.getMessage().contains("'AGREE'") && e.getMessage().contains("streamMaxAge PT2H here, PT1H there"),
                e.getMessage());
        assertEquals(Duration.ofHours(1), jsm.getStreamInfo("AGREE").getConfiguration().getMaxAge());
    }

    @Test
    void anEphemeralOutlivesItsAckWaitWithoutPulls() throws Exception {
        stream("IDLE", "idle.>");
        NatsActivationSpec spec = Specs.of("idle.x", "IDLE", null);
        spec.setAckWait("PT3M");
        TestEndpointFactory endpoint = new TestEndpointFactory("idle");
        started.adapter().endpointActivation(endpoint, spec);
        Await.untilServer(WAIT, "the ephemeral", () -> jsm.getConsumerNames("IDLE").size() == 1);
        Duration threshold = jsm.getConsumerInfo("IDLE", jsm.getConsumerNames("IDLE").get(0))
                .getConsumerConfiguration().getInactiveThreshold();
        // A bean may hold a message up to the ack wait, with no pull meanwhile (all slots held);
        // some servers (2.9) then delete an ephemeral that still has unacknowledged messages.
        assertTrue(threshold.compareTo(Duration.ofMinutes(3)) > 0, "inactive threshold " + threshold);
    }

    @Test
    void aDurableWhoseAckPolicyCannotChangeFailsTheDeploymentInsteadOfRetryingForever() throws Exception {
        stream("NOACK", "noack.>");
        jsm.addOrUpdateConsumer("NOACK", io.nats.client.api.ConsumerConfiguration.builder().durable("noack")
                .filterSubject("noack.x").ackPolicy(io.nats.client.api.AckPolicy.None).build());
        ResourceException e = assertThrows(ResourceException.class, () -> started.adapter()
                .endpointActivation(new TestEndpointFactory("noack"), Specs.of("noack.x", "NOACK", "noack")));
        assertTrue(e.getMessage().contains("durable 'noack'"), e.getMessage());
        assertEquals(0, started.adapter().activationCount());
    }

    @Test
    void aPushDurableIsRefusedNamingThePropertyNotPulledInVain() throws Exception {
        stream("PUSHED", "pushed.>");
        jsm.addOrUpdateConsumer("PUSHED", io.nats.client.api.ConsumerConfiguration.builder().durable("pushed")
                .filterSubject("pushed.x").ackPolicy(io.nats.client.api.AckPolicy.Explicit)
                .deliverSubject("elsewhere.pushed").build());
        ResourceException e = assertThrows(ResourceException.class, () -> started.adapter()
                .endpointActivation(new TestEndpointFactory("pushed"), Specs.of("pushed.x", "PUSHED", "pushed")));
        assertTrue(e.getMessage().contains("'durable'") && e.getMessage().contains("'pushed'")
                && e.getMessage().contains("push consumer"), e.getMessage());
        assertEquals("elsewhere.pushed",
                jsm.getConsumerInfo("PUSHED", "pushed").getConsumerConfiguration().getDeliverSubject(), "left as it was");
    }

    @Test
    void nothingIsLostWhenTheServerIsKilledAndRestartedMidStream() throws Exception {
        try (NatsServer own = NatsServer.start();
             Connection c = Nats.connect(Options.builder().server(own.url()).maxReconnects(-1).build())) {
            c.jetStreamManagement().addStream(StreamConfiguration.builder().name("CRASH").subjects("crash.>")
                    .storageType(StorageType.File).build());
            JetStream j = c.jetStream();
            Set<String> seen = ConcurrentHashMap.newKeySet();
            TestEndpointFactory endpoint = new TestEndpointFactory("crash", m -> {
                seen.add(new String(m.data(), StandardCharsets.UTF_8));
                java.util.concurrent.locks.LockSupport.parkNanos(2_000_000); // the work takes a while
            });
            NatsActivationSpec spec = Specs.of("crash.>", "CRASH", "crash-worker");
            spec.setServerUrls(own.url());
            spec.setMaxConcurrency("2");
            spec.setAckWait("2000"); // acks lost with the server come back quickly
            started.adapter().endpointActivation(endpoint, spec);
            int before = 300;
            for (int i = 0; i < before; i++) {
                j.publish("crash.x", Integer.toString(i).getBytes(StandardCharsets.UTF_8));
            }
            Await.until(WAIT, "consumption under way", () -> seen.size() >= 50);
            own.kill();
            assertTrue(seen.size() < before, "everything consumed before the kill: the test proves nothing");
            own.startAgain();
            Await.until(WAIT, "client back", () -> c.getStatus() == Connection.Status.CONNECTED);
            int n = 500;
            for (int i = before; i < n; i++) {
                j.publish("crash.x", Integer.toString(i).getBytes(StandardCharsets.UTF_8));
            }
            Await.until(Duration.ofSeconds(60), () -> "all " + n + " delivered at least once, distinct " + seen.size(),
                    () -> seen.size() == n);
            JetStreamManagement m = c.jetStreamManagement();
            Await.until(WAIT, "ack floor at the last sequence", () -> ackFloor(m, "CRASH", "crash-worker") == n);
            started.adapter().endpointDeactivation(endpoint, spec);
        }
    }

    @Test
    void missingStreamFailsActivationUnlessItsDeclarationAsksToCreateIt() throws Exception {
        ResourceException e = assertThrows(ResourceException.class, () -> started.adapter()
                .endpointActivation(new TestEndpointFactory("x"), Specs.of("absent.x", "ABSENT", null)));
        assertTrue(e.getMessage().contains("'stream'") && e.getMessage().contains("'ABSENT'"), e.getMessage());
        assertEquals(0, started.adapter().activationCount());

        NatsActivationSpec create = Specs.of("made.x", "MADE", null);
        create.setStreamDeclaration("ensure");
        TestEndpointFactory endpoint = new TestEndpointFactory("made");
        started.adapter().endpointActivation(endpoint, create);
        assertEquals(List.of("made.x"), jsm.getStreamInfo("MADE").getConfiguration().getSubjects());
        js.publish("made.x", new byte[] {1});
        Await.until(WAIT, "delivered from the created stream", () -> endpoint.received().size() == 1);
    }

    @Test
    void badJetStreamPropertiesAreNamed() {
        NatsActivationSpec s = Specs.of("a.b", "S", "d");
        s.setDeliverPolicy("sometimes");
        InvalidPropertyException e = assertThrows(InvalidPropertyException.class, s::validate);
        assertTrue(e.getMessage().contains("'deliverPolicy'") && e.getMessage().contains("'sometimes'"), e.getMessage());
        NatsActivationSpec m = Specs.of("a.b", "S", "d");
        m.setMaxDeliver("-1");
        e = assertThrows(InvalidPropertyException.class, m::validate);
        assertTrue(e.getMessage().contains("'maxDeliver'") && e.getMessage().contains("'-1'"), e.getMessage());
        NatsActivationSpec d = Specs.of("a.b", "S", "bad.durable");
        e = assertThrows(InvalidPropertyException.class, d::validate);
        assertTrue(e.getMessage().contains("'durable'"), e.getMessage());
        NatsActivationSpec core = Specs.of("a.b", null, "orphan");
        e = assertThrows(InvalidPropertyException.class, core::validate);
        assertTrue(e.getMessage().contains("'durable'") && e.getMessage().contains("set 'stream'"), e.getMessage());
    }

    @Test
    void aSlowBeanSeesEveryMessageInOrderAndTheServerHandsOutNoMoreThanItCanHold() throws Exception {
        stream("SLOW", "slow.>");
        int n = 40;
        for (int i = 1; i <= n; i++) {
            js.publish("slow.x", Integer.toString(i).getBytes(StandardCharsets.UTF_8));
        }
        List<Long> sequences = new CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicLong mostUnacked = new java.util.concurrent.atomic.AtomicLong();
        TestEndpointFactory endpoint = new TestEndpointFactory("slow", m -> {
            sequences.add(m.streamSequence());
            mostUnacked.accumulateAndGet(unacked("SLOW", "slow-worker"), Math::max);
            // The first dozen take 1.5 s each: longer than three missed heartbeats in all.
            java.util.concurrent.locks.LockSupport.parkNanos(sequences.size() <= 12 ? 1_500_000_000L : 1_000_000L);
        });
        NatsActivationSpec spec = Specs.of("slow.x", "SLOW", "slow-worker");
        spec.setBatchSize("5");
        spec.setAckWait("600000"); // a message skipped and left unacknowledged would wait ten minutes
        started.adapter().endpointActivation(endpoint, spec);

        Await.until(Duration.ofSeconds(60), () -> "all " + n + ", seen " + sequences, () -> sequences.size() >= n);
        List<Long> expected = new java.util.ArrayList<>();
        for (long i = 1; i <= n; i++) {
            expected.add(i);
        }
        assertEquals(expected, sequences, "every message, once, in order");
        // batchSize 5 waiting for the one worker, the one in delivery, and one whose ack the server
        // had not processed yet when the next pull reached it.
        assertTrue(mostUnacked.get() <= 7, "the server handed out " + mostUnacked + " unacknowledged at once");
    }

    private long unacked(String stream, String durable) {
        try {
            return jsm.getConsumerInfo(stream, durable).getNumAckPending();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
