package dev.natsjca.outbound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.natsjca.api.NatsConnection;
import dev.natsjca.api.NatsException;
import dev.natsjca.api.NatsExpectedSequenceException;
import io.nats.client.PublishOptions;
import dev.natsjca.testing.Await;
import dev.natsjca.testing.NatsServer;
import dev.natsjca.testing.NatsServerExtension;
import dev.natsjca.testing.TestXid;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Nats;
import io.nats.client.api.PublishAck;
import io.nats.client.api.StreamConfiguration;

/**
 * Transactional publishing, with the test calling the XAResource the way a transaction manager
 * does. A sentinel published outside the transaction on the same connection proves what was (not)
 * sent before it: one connection writes in order.
 */
class TransactionalPublishTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @RegisterExtension
    static final NatsServerExtension NATS = NatsServerExtension.onFreePort();

    private NatsManagedConnection mc;
    private NatsConnection handle;
    private XAResource xa;
    private Connection observer;
    private final List<String> seen = new CopyOnWriteArrayList<>();

    @BeforeEach
    void open() throws Exception {
        mc = connect(NATS.server().url());
        handle = (NatsConnection) mc.getConnection(null, null);
        xa = mc.getXAResource();
        observer = Nats.connect(NATS.server().url());
        Dispatcher d = observer.createDispatcher(m -> seen.add(new String(m.getData(), StandardCharsets.UTF_8)));
        d.subscribe("tx.>");
        observer.flush(WAIT);
    }

    @AfterEach
    void close() throws Exception {
        observer.close();
        mc.destroy();
    }

    private static NatsManagedConnection connect(String url) throws Exception {
        NatsManagedConnectionFactory mcf = new NatsManagedConnectionFactory();
        mcf.setServerUrls(url);
        mcf.setReconnectWait("100");
        return (NatsManagedConnection) mcf.createManagedConnection(null, null);
    }

    private void publish(String body) {
        handle.publish("tx.core", body.getBytes(StandardCharsets.UTF_8));
    }

    /** Publishes outside any branch and waits until the observer has it. */
    private void sentinel(String body) {
        publish(body);
        Await.until(WAIT, () -> "sentinel " + body + ", seen " + seen, () -> seen.contains(body));
    }

    @Test
    void stagedUntilPrepareThenSentInOrder() throws Exception {
        Xid xid = new TestXid();
        xa.start(xid, XAResource.TMNOFLAGS);
        publish("m1");
        publish("m2");
        publish("m3");
        xa.end(xid, XAResource.TMSUCCESS);
        sentinel("before-commit");
        assertEquals(List.of("before-commit"), seen, "staged messages left before the commit");

        assertEquals(XAResource.XA_OK, xa.prepare(xid));
        Await.until(WAIT, () -> "all three after prepare, seen " + seen, () -> seen.size() == 4);
        xa.commit(xid, false);
        assertEquals(List.of("before-commit", "m1", "m2", "m3"), seen);
    }

    @Test
    void onAServerWithoutAtomicPublishAutoSendsAtPrepareAndRequiredRefuses() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeFalse(NatsServer.atLeast(AtomicBatch.SINCE));
        handle.jetStreamManagement().addStream(StreamConfiguration.builder().name("TXOLD").subjects("txold.>")
                .build());
        Xid xid = new TestXid();
        xa.start(xid, XAResource.TMNOFLAGS);
        handle.jetStreamPublish("txold.a", null, new byte[] {1}, null);
        xa.end(xid, XAResource.TMSUCCESS);
        assertEquals(XAResource.XA_OK, xa.prepare(xid));
        assertEquals(1, handle.jetStreamManagement().getStreamInfo("TXOLD").getStreamState().getMsgCount(),
                "auto: sent at prepare");
        xa.commit(xid, false);

        NatsManagedConnectionFactory mcf = new NatsManagedConnectionFactory();
        mcf.setServerUrls(NATS.server().url());
        mcf.setAtomicCommit("required");
        NatsManagedConnection strict = (NatsManagedConnection) mcf.createManagedConnection(null, null);
        try {
            Xid refused = new TestXid();
            XAResource sxa = strict.getXAResource();
            sxa.start(refused, XAResource.TMNOFLAGS);
            ((NatsConnection) strict.getConnection(null, null)).jetStreamPublish("txold.a", null, new byte[] {2}, null);
            sxa.end(refused, XAResource.TMSUCCESS);
            XAException e = assertThrows(XAException.class, () -> sxa.prepare(refused));
            assertEquals(XAException.XA_RBROLLBACK, e.errorCode);
            assertTrue(e.getMessage().contains("needs nats-server 2.12.0 or newer; the server is "
                    + NatsServer.version()), e.getMessage());
            assertEquals(1, handle.jetStreamManagement().getStreamInfo("TXOLD").getStreamState().getMsgCount());
        } finally {
            strict.destroy();
        }
    }

    @Test
    void anInvalidAtomicCommitSettingFailsTheDeploymentNamingPropertyAndValue() {
        NatsManagedConnectionFactory mcf = new NatsManagedConnectionFactory();
        mcf.setAtomicCommit("sometimes");
        jakarta.resource.spi.InvalidPropertyException e = assertThrows(jakarta.resource.spi.InvalidPropertyException.class,
                () -> mcf.setResourceAdapter(new dev.natsjca.adapter.NatsResourceAdapter()));
        assertTrue(e.getMessage().contains("'atomicCommit'") && e.getMessage().contains("'sometimes'"), e.getMessage());
    }

    @Test
    void aStagedMessageKeepsItsTtl() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(dev.natsjca.testing.NatsServer.atLeast("2.11.0"));
        handle.jetStreamManagement().addStream(StreamConfiguration.builder().name("TXTTL").subjects("txttl.>")
                .allowMessageTtl(true).build());
        Xid xid = new TestXid();
        xa.start(xid, XAResource.TMNOFLAGS);
        CompletableFuture<PublishAck> ack = handle.jetStreamPublish("txttl.a", null, new byte[] {1},
                io.nats.client.PublishOptions.builder().messageTtlSeconds(1).build()).toCompletableFuture();
        xa.end(xid, XAResource.TMSUCCESS);
        xa.commit(xid, true);
        long seq = ack.get(10, java.util.concurrent.TimeUnit.SECONDS).getSeqno();
        assertEquals("1s", handle.jetStreamManagement().getMessage("TXTTL", seq).getHeaders().getFirst("Nats-TTL"));
        Await.untilServer(Duration.ofSeconds(20), "the staged message expired after its TTL",
                () -> handle.jetStreamManagement().getStreamInfo("TXTTL").getStreamState().getMsgCount() == 0);
    }

    @Test
    void onePhaseCommitSends() throws Exception {
        Xid xid = new TestXid();
        xa.start(xid, XAResource.TMNOFLAGS);
        publish("only");
        xa.end(xid, XAResource.TMSUCCESS);
        xa.commit(xid, true);
        Await.until(WAIT, () -> "sent at one-phase commit, seen " + seen, () -> seen.contains("only"));
    }

    @Test
    void aStagedMessageKeepsTheHeadersItWasPublishedWith() throws Exception {
        io.nats.client.Subscription sub = observer.subscribe("txh.x");
        observer.flush(WAIT);
        Xid xid = new TestXid();
        xa.start(xid, XAResource.TMNOFLAGS);
        io.nats.client.impl.Headers h = new io.nats.client.impl.Headers().put("x-app", "staged");
        handle.publish("txh.x", h, "h".getBytes(StandardCharsets.UTF_8));
        h.add("x-app", "added-after-the-publish"); // the application reuses its headers
        h.put("x-other", "later");
        xa.end(xid, XAResource.TMSUCCESS);
        xa.commit(xid, true);
        io.nats.client.Message m = sub.nextMessage(WAIT);
        assertEquals(List.of("staged"), m.getHeaders().get("x-app"));
        assertEquals(null, m.getHeaders().get("x-other"));
    }

    @Test
    void rollbackSendsNothing() throws Exception {
        Xid xid = new TestXid();
        xa.start(xid, XAResource.TMNOFLAGS);
        publish("never1");
        publish("never2");
        xa.end(xid, XAResource.TMFAIL);
        xa.rollback(xid);
        sentinel("after-rollback");
        assertEquals(List.of("after-rollback"), seen);
    }

    @Test
    void destroyDiscardsWhatIsStillStaged() throws Exception {
        Xid xid = new TestXid();
        xa.start(xid, XAResource.TMNOFLAGS);
        CompletableFuture<PublishAck> ack = handle.jetStreamPublish("txjs.c", null, new byte[] {1}, null)
                .toCompletableFuture();
        xa.end(xid, XAResource.TMSUCCESS);
        mc.destroy();
        assertTrue(ack.isCompletedExceptionally(), "a staged publish outlived its connection");
    }

    @Test
    void branchWithoutPublishesIsReadOnly() throws Exception {
        Xid xid = new TestXid();
        xa.start(xid, XAResource.TMNOFLAGS);
        xa.end(xid, XAResource.TMSUCCESS);
        assertEquals(XAResource.XA_RDONLY, xa.prepare(xid));
    }

    @Test
    void jetStreamPublishInATransactionCompletesAtCommit() throws Exception {
        handle.jetStreamManagement().addStream(StreamConfiguration.builder().name("TXJS").subjects("txjs.>").build());
        Xid xid = new TestXid();
        xa.start(xid, XAResource.TMNOFLAGS);
        CompletionStage<PublishAck> first = handle.jetStreamPublish("txjs.a", null, new byte[] {1}, null);
        CompletionStage<PublishAck> second = handle.jetStreamPublish("txjs.a", null, new byte[] {2}, null);
        xa.end(xid, XAResource.TMSUCCESS);
        assertFalse(first.toCompletableFuture().isDone(), "acknowledged before the commit");
        assertEquals(XAResource.XA_OK, xa.prepare(xid));
        xa.commit(xid, false);
        assertEquals(1, first.toCompletableFuture().getNow(null).getSeqno());
        assertEquals(2, second.toCompletableFuture().getNow(null).getSeqno());
    }

    @Test
    void coreMessagesAreConfirmedByAFlushJetStreamOnesByTheirAcksAlone() throws Exception {
        handle.jetStreamManagement().addStream(StreamConfiguration.builder().name("TXFLUSH").subjects("txflush.>")
                .build());
        long pings = mc.pingsSent();
        Xid core = new TestXid();
        xa.start(core, XAResource.TMNOFLAGS);
        publish("core-only");
        xa.end(core, XAResource.TMSUCCESS);
        xa.commit(core, true);
        assertEquals(pings + 1, mc.pingsSent(), "a commit with core messages waits for a flush round trip");

        Xid jetStream = new TestXid();
        xa.start(jetStream, XAResource.TMNOFLAGS);
        CompletionStage<PublishAck> ack = handle.jetStreamPublish("txflush.c", null, new byte[] {1}, null);
        xa.end(jetStream, XAResource.TMSUCCESS);
        xa.commit(jetStream, true);
        assertTrue(ack.toCompletableFuture().isDone(), "committed before the stream acknowledged");
        assertEquals(pings + 1, mc.pingsSent(), "a JetStream-only commit flushed: its acknowledgements suffice");
    }

    @Test
    void rolledBackJetStreamPublishCompletesExceptionally() throws Exception {
        Xid xid = new TestXid();
        xa.start(xid, XAResource.TMNOFLAGS);
        CompletableFuture<PublishAck> ack = handle.jetStreamPublish("txjs.b", null, new byte[] {1}, null)
                .toCompletableFuture();
        xa.end(xid, XAResource.TMFAIL);
        xa.rollback(xid);
        assertTrue(ack.isCompletedExceptionally());
    }

    @Test
    void missingStreamAcknowledgementVotesRollback() throws Exception {
        Xid xid = new TestXid();
        xa.start(xid, XAResource.TMNOFLAGS);
        handle.jetStreamPublish("nostream.tx", null, new byte[] {1}, null);
        xa.end(xid, XAResource.TMSUCCESS);
        XAException e = assertThrows(XAException.class, () -> xa.prepare(xid));
        assertEquals(XAException.XA_RBCOMMFAIL, e.errorCode);
        assertInstanceOf(NatsException.class, e.getCause());
    }

    /**
     * A stream electing its leader (a node of the cluster lost) answers 503 "no responders" for a
     * few seconds; here, a server without JetStream answers the same. The commit sends again until
     * a stream takes the messages, within its timeout, instead of rolling back.
     */
    @Test
    void aCommitNoStreamAnsweredSendsAgainUntilOneDoes() throws Exception {
        try (NatsServer own = NatsServer.start()) {
            NatsManagedConnection ownMc = connect(own.url());
            try {
                NatsConnection ownHandle = (NatsConnection) ownMc.getConnection(null, null);
                ownHandle.jetStreamManagement().addStream(StreamConfiguration.builder().name("ELECTING")
                        .subjects("electing.>").build());
                own.stop();
                own.startAgain(false);
                Await.until(WAIT, "reconnected to the server without JetStream", ownMc::connected);
                Xid xid = new TestXid();
                XAResource ownXa = ownMc.getXAResource();
                ownXa.start(xid, XAResource.TMNOFLAGS);
                CompletionStage<PublishAck> ack = ownHandle.jetStreamPublish("electing.a", null, new byte[] {1},
                        PublishOptions.builder().messageId("electing-1").build());
                ownXa.end(xid, XAResource.TMSUCCESS);
                long answeredBefore = ownMc.jnats().getStatistics().getInMsgs();
                CompletableFuture<Void> jetStreamBack = CompletableFuture.runAsync(() -> {
                    // Once the commit has been sent and answered "no responders" twice, JetStream comes
                    // back. Right after an answer, not after a send: a send the stopping server swallowed
                    // would be "sent, not confirmed" (rightly a failure), which is not what this test is about.
                    Await.until(WAIT, "the commit answered twice", () -> ownMc.jnats().getStatistics().getInMsgs()
                            >= answeredBefore + 2);
                    own.stop();
                    own.startAgain(true);
                });
                ownXa.commit(xid, true);
                jetStreamBack.get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
                assertEquals("ELECTING", ack.toCompletableFuture().getNow(null).getStream());
                try (Connection check = Nats.connect(own.url())) {
                    assertEquals(1, check.jetStreamManagement().getStreamInfo("ELECTING").getStreamState().getMsgCount(),
                            "stored once");
                }
            } finally {
                ownMc.destroy();
            }
        }
    }

    /** No stream bound to the subject at all: the same 503, and the commit fails at once. */
    @Test
    void aCommitToASubjectNoStreamIsBoundToFailsAtOnce() throws Exception {
        Xid xid = new TestXid();
        xa.start(xid, XAResource.TMNOFLAGS);
        handle.jetStreamPublish("nostream.a", null, new byte[] {1}, null);
        xa.end(xid, XAResource.TMSUCCESS);
        long started = System.nanoTime();
        XAException e = assertThrows(XAException.class, () -> xa.commit(xid, true));
        long millis = (System.nanoTime() - started) / 1_000_000;
        assertTrue(e.getCause().getMessage().contains("503"), e.getCause().getMessage());
        assertTrue(millis < StagedSender.NO_RESPONDERS_PAUSE.toMillis() * 4, "sent again for " + millis + " ms");
    }

    @Test
    void serverGoneAtCommitVotesRollbackAndNothingLeaksLater() throws Exception {
        try (NatsServer own = NatsServer.start()) {
            NatsManagedConnection ownMc = connect(own.url());
            try {
                NatsConnection ownHandle = (NatsConnection) ownMc.getConnection(null, null);
                XAResource ownXa = ownMc.getXAResource();
                Xid xid = new TestXid();
                ownXa.start(xid, XAResource.TMNOFLAGS);
                ownHandle.publish("tx.lost", "staged".getBytes(StandardCharsets.UTF_8));
                ownXa.end(xid, XAResource.TMSUCCESS);
                own.kill();
                // The deterministic case: the client knows the server is gone. (If the connection
                // dies while the messages are being written, jnats may still deliver what it had
                // buffered after a reconnect: the README states that window.)
                Await.until(WAIT, "the client noticed the server is gone", () -> !ownMc.connected());
                XAException e = assertThrows(XAException.class, () -> ownXa.commit(xid, true));
                // Rolled back, and not XA_RBCOMMFAIL: Payara retries a one-phase commit answered with that.
                assertEquals(XAException.XA_RBROLLBACK, e.errorCode);
                XAException again = assertThrows(XAException.class, () -> ownXa.commit(xid, true));
                assertEquals(XAException.XA_RBROLLBACK, again.errorCode, "asked again, it must still say rolled back");
                ownXa.rollback(xid); // and forgets it
                assertTrue(e.getCause().getMessage().contains("Not connected") && e.getCause().getMessage()
                        .contains("Stored: none") && e.getCause().getMessage().contains("not sent: [1]"),
                        e.getCause().getMessage());

                own.startAgain();
                List<String> later = new CopyOnWriteArrayList<>();
                try (Connection watcher = Nats.connect(own.url())) {
                    watcher.createDispatcher(m -> later.add(new String(m.getData(), StandardCharsets.UTF_8)))
                            .subscribe("tx.lost");
                    watcher.flush(WAIT);
                    Await.until(WAIT, "reconnected", ownMc::connected);
                    ownHandle.publish("tx.lost", "sentinel".getBytes(StandardCharsets.UTF_8));
                    Await.until(WAIT, () -> "sentinel after reconnect, seen " + later, () -> later.contains("sentinel"));
                    assertEquals(List.of("sentinel"), later.stream().collect(Collectors.toList()),
                            "a rolled-back message was sent after the reconnect");
                }
            } finally {
                ownMc.destroy();
            }
        }
    }

    @Test
    void aFailedConditionStopsTheTransactionWithWhatCameBeforeStoredAndNothingAfterSent() throws Exception {
        handle.jetStreamManagement().addStream(StreamConfiguration.builder().name("TXCOND").subjects("txcond.>").build());
        Xid xid = new TestXid();
        xa.start(xid, XAResource.TMNOFLAGS);
        CompletableFuture<PublishAck> first = handle.jetStreamPublish("txcond.a", null, new byte[] {1}, null)
                .toCompletableFuture();
        CompletableFuture<PublishAck> conditional = handle.jetStreamPublish("txcond.b", null, new byte[] {2},
                PublishOptions.builder().expectedLastSubjectSequence(5).build()).toCompletableFuture(); // it is 0
        CompletableFuture<PublishAck> after = handle.jetStreamPublish("txcond.c", null, new byte[] {3}, null)
                .toCompletableFuture();
        xa.end(xid, XAResource.TMSUCCESS);

        XAException e = assertThrows(XAException.class, () -> xa.prepare(xid));
        assertEquals(XAException.XA_RBINTEGRITY, e.errorCode, "a stream refused a message");
        assertInstanceOf(NatsExpectedSequenceException.class, e.getCause(), "the application must recognise it");
        String report = e.getCause().getMessage();
        assertTrue(report.contains("at message 2") && report.contains("Stored: [1]") && report.contains("not sent: [3]"),
                report);
        assertEquals(1, handle.jetStreamManagement().getStreamInfo("TXCOND").getStreamState().getMsgCount(),
                "a message after the refused one was stored");
        assertEquals(1, first.getNow(null).getSeqno(), "the stored one's stage tells the truth");
        assertInstanceOf(NatsExpectedSequenceException.class, assertThrows(java.util.concurrent.CompletionException.class,
                conditional::join).getCause());
        assertTrue(after.isCompletedExceptionally());
    }

    @Test
    void aMessageOverTheServersMaxPayloadRefusesTheTransactionBeforeAnythingIsSent() throws Exception {
        Xid xid = new TestXid();
        xa.start(xid, XAResource.TMNOFLAGS);
        publish("small-first");
        handle.publish("tx.core", new byte[(int) mc.maxPayload() + 1]);
        xa.end(xid, XAResource.TMSUCCESS);
        XAException e = assertThrows(XAException.class, () -> xa.prepare(xid));
        assertTrue(e.getCause().getMessage().contains("max_payload"), e.getCause().getMessage());
        sentinel("after-refusal");
        assertEquals(List.of("after-refusal"), seen, "part of a refused transaction was sent");
    }

    @Test
    void anAcknowledgementThatNeverComesIsReportedAsATimeoutNotARefusal() throws Exception {
        // Something answers for the subject as a stream would, but never replies: no refusal, no ack.
        try (Connection silent = Nats.connect(NATS.server().url())) {
            silent.createDispatcher(m -> { }).subscribe("slowack.x");
            silent.flush(WAIT);
            Xid xid = new TestXid();
            xa.start(xid, XAResource.TMNOFLAGS);
            CompletableFuture<PublishAck> stage = handle.jetStreamPublish("slowack.x", null, new byte[] {1}, null)
                    .toCompletableFuture();
            xa.end(xid, XAResource.TMSUCCESS);
            XAException e = assertThrows(XAException.class, () -> xa.prepare(xid));
            assertEquals(XAException.XA_RBTIMEOUT, e.errorCode, e.getCause().getMessage());
            assertTrue(e.getCause().getMessage().contains("sent, not confirmed (core NATS, or no acknowledgement): [1]"),
                    e.getCause().getMessage());
            Throwable why = assertThrows(java.util.concurrent.CompletionException.class, stage::join).getCause();
            assertTrue(why.getMessage().contains("may or may not be stored"), why.getMessage());
        }
    }
}
