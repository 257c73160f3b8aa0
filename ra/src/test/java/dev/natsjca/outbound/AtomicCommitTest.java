package dev.natsjca.outbound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.natsjca.api.NatsConnection;
import dev.natsjca.api.NatsException;
import dev.natsjca.testing.Await;
import dev.natsjca.testing.NatsServer;
import dev.natsjca.testing.NatsServerExtension;
import dev.natsjca.testing.TcpProxy;
import dev.natsjca.testing.TestXid;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.PublishOptions;
import io.nats.client.api.MessageInfo;
import io.nats.client.api.PublishAck;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StorageType;
import io.nats.client.impl.Headers;

/**
 * Atomic commit (ADR-50) with the test calling the XAResource the way a transaction manager does,
 * on the newest nats-server: what the stream stores after each XA call.
 */
class AtomicCommitTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @RegisterExtension
    static final NatsServerExtension NATS = NatsServerExtension.onFreePort();

    private Connection observer;
    private JetStreamManagement jsm;
    private final List<NatsManagedConnection> opened = new ArrayList<>();
    private final List<LogRecord> logged = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            logged.add(r);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private static int streams;
    private String stream;
    private String subjects;

    @BeforeEach
    void open() throws Exception {
        assumeTrue(NatsServer.atLeast(AtomicBatch.SINCE), "atomic batch publish needs nats-server " + AtomicBatch.SINCE);
        observer = Nats.connect(NATS.server().url());
        jsm = observer.jetStreamManagement();
        stream = "ATOMIC" + (++streams);
        subjects = "atomic" + streams;
        jsm.addStream(StreamConfiguration.builder().name(stream).subjects(subjects + ".>")
                .storageType(StorageType.Memory).allowAtomicPublish(true).build());
        Logger.getLogger(StagingXAResource.class.getName()).addHandler(capture);
    }

    @AfterEach
    void close() throws Exception {
        Logger.getLogger(StagingXAResource.class.getName()).removeHandler(capture);
        for (NatsManagedConnection mc : opened) {
            mc.destroy();
        }
        if (observer != null) {
            observer.close();
        }
    }

    private NatsManagedConnection connect(String url, String atomicCommit) throws Exception {
        NatsManagedConnectionFactory mcf = new NatsManagedConnectionFactory();
        mcf.setServerUrls(url);
        mcf.setReconnectWait("100");
        mcf.setMaxReconnects("-1");
        mcf.setAtomicCommit(atomicCommit);
        NatsManagedConnection mc = (NatsManagedConnection) mcf.createManagedConnection(null, null);
        opened.add(mc);
        return mc;
    }

    private static NatsConnection handle(NatsManagedConnection mc) throws Exception {
        return (NatsConnection) mc.getConnection(null, null);
    }

    private long stored() throws Exception {
        return jsm.getStreamInfo(stream).getStreamState().getMsgCount();
    }

    /** Stages {@code n} JetStream messages in a new branch on {@code mc} and ends it. */
    private Xid staged(NatsManagedConnection mc, int n, List<CompletableFuture<PublishAck>> acks) throws Exception {
        Xid xid = new TestXid();
        XAResource xa = mc.getXAResource();
        xa.start(xid, XAResource.TMNOFLAGS);
        NatsConnection h = handle(mc);
        for (int k = 1; k <= n; k++) {
            CompletableFuture<PublishAck> ack = h.jetStreamPublish(subjects + ".m" + k, null,
                    ("m" + k).getBytes(StandardCharsets.UTF_8), null).toCompletableFuture();
            if (acks != null) {
                acks.add(ack);
            }
        }
        xa.end(xid, XAResource.TMSUCCESS);
        return xid;
    }

    @Test
    void prepareStagesNothingVisibleAndCommitStoresAllAtOnce() throws Exception {
        NatsManagedConnection mc = connect(NATS.server().url(), null);
        List<CompletableFuture<PublishAck>> acks = new ArrayList<>();
        Xid xid = staged(mc, 3, acks);
        assertEquals(XAResource.XA_OK, mc.getXAResource().prepare(xid));
        assertEquals(0, stored(), "a prepared batch is not in the stream");
        mc.getXAResource().commit(xid, false);
        assertEquals(3, stored());
        long first = acks.get(0).get(1, TimeUnit.SECONDS).getSeqno();
        for (int k = 0; k < 3; k++) {
            PublishAck ack = acks.get(k).get(1, TimeUnit.SECONDS);
            assertEquals(first + k, ack.getSeqno(), "each message's own sequence");
            MessageInfo m = jsm.getMessage(stream, ack.getSeqno());
            assertEquals("m" + (k + 1), new String(m.getData(), StandardCharsets.UTF_8));
            assertEquals(ack.getBatchId(), m.getHeaders().getFirst("Nats-Batch-Id"), "stored as one batch");
        }
        assertEquals(1, mc.monitor().snapshot().committedTransactions());
    }

    @Test
    void rollbackAfterPrepareAbortsTheBatchAtOnceAndStoresNothing() throws Exception {
        NatsManagedConnection mc = connect(NATS.server().url(), null);
        List<CompletableFuture<PublishAck>> acks = new ArrayList<>();
        List<Message> abandoned = new CopyOnWriteArrayList<>();
        observer.createDispatcher(abandoned::add).subscribe("$JS.EVENT.ADVISORY.STREAM.BATCH_ABANDONED." + stream);
        observer.flush(WAIT);
        Xid xid = staged(mc, 3, acks);
        assertEquals(XAResource.XA_OK, mc.getXAResource().prepare(xid));
        long rolledBackAt = System.nanoTime();
        mc.getXAResource().rollback(xid);
        Await.until(WAIT, "the server abandons the aborted batch", () -> !abandoned.isEmpty());
        assertTrue(System.nanoTime() - rolledBackAt < AtomicBatch.LIFETIME.toNanos() / 2,
                "aborted at once, not left to the server's idle timeout");
        assertTrue(new String(abandoned.get(0).getData(), StandardCharsets.UTF_8).contains("incomplete"),
                new String(abandoned.get(0).getData(), StandardCharsets.UTF_8));
        assertEquals(0, stored());
        ExecutionException e = assertThrows(ExecutionException.class, () -> acks.get(0).get(1, TimeUnit.SECONDS));
        assertTrue(e.getCause().getMessage().contains("rolled back"), e.getCause().getMessage());
    }

    @Test
    void aPreparedBranchTheTransactionManagerNeverRollsBackFollowsTheTransactionsOutcome() throws Exception {
        // Payara, when its one-phase last resource fails to commit: the transaction ends rolled back,
        // and the prepared participants hear nothing.
        dev.natsjca.testing.TestTransactionRegistry registry = new dev.natsjca.testing.TestTransactionRegistry();
        try (dev.natsjca.testing.StartedAdapter started = new dev.natsjca.testing.StartedAdapter(NATS.server().url(), 2,
                a -> { }, registry)) {
            NatsManagedConnectionFactory mcf = new NatsManagedConnectionFactory();
            mcf.setResourceAdapter(started.adapter());
            NatsManagedConnection mc = (NatsManagedConnection) mcf.createManagedConnection(null, null);
            opened.add(mc);
            List<Message> abandoned = new CopyOnWriteArrayList<>();
            observer.createDispatcher(abandoned::add).subscribe("$JS.EVENT.ADVISORY.STREAM.BATCH_ABANDONED." + stream);
            observer.flush(WAIT);
            registry.status(jakarta.transaction.Status.STATUS_ACTIVE);
            List<CompletableFuture<PublishAck>> acks = new ArrayList<>();
            Xid xid = staged(mc, 2, acks);
            assertEquals(XAResource.XA_OK, mc.getXAResource().prepare(xid));
            long completedAt = System.nanoTime();
            registry.complete(jakarta.transaction.Status.STATUS_ROLLEDBACK);
            Await.until(WAIT, "the batch aborted", () -> !abandoned.isEmpty());
            assertTrue(System.nanoTime() - completedAt < AtomicBatch.LIFETIME.toNanos() / 2, "at once");
            ExecutionException e = assertThrows(ExecutionException.class, () -> acks.get(0).get(1, TimeUnit.SECONDS));
            assertTrue(e.getCause().getMessage().contains("rolled back"), e.getCause().getMessage());
            assertEquals(0, stored());
            XAException gone = assertThrows(XAException.class, () -> mc.getXAResource().commit(xid, false));
            assertEquals(XAException.XA_RBROLLBACK, gone.errorCode, "the branch is over, rolled back");
        }
    }

    @Test
    void aMessageTheStreamRefusesAtPrepareVotesRollbackWithNothingStored() throws Exception {
        jsm.updateStream(StreamConfiguration.builder(jsm.getStreamInfo(stream).getConfiguration()).maxMsgSize(400)
                .build());
        NatsManagedConnection mc = connect(NATS.server().url(), null);
        Xid xid = new TestXid();
        XAResource xa = mc.getXAResource();
        xa.start(xid, XAResource.TMNOFLAGS);
        NatsConnection h = handle(mc);
        CompletableFuture<PublishAck> small = h.jetStreamPublish(subjects + ".a", null, new byte[10], null).toCompletableFuture();
        h.jetStreamPublish(subjects + ".b", null, new byte[1000], null);
        h.jetStreamPublish(subjects + ".c", null, new byte[10], null);
        xa.end(xid, XAResource.TMSUCCESS);
        XAException e = assertThrows(XAException.class, () -> xa.prepare(xid));
        assertEquals(XAException.XA_RBINTEGRITY, e.errorCode);
        assertTrue(e.getMessage().contains("message 2 of 3") && e.getMessage().contains(stream), e.getMessage());
        assertEquals(0, stored(), "today's mechanism would have stored the first message");
        ExecutionException failed = assertThrows(ExecutionException.class, () -> small.get(1, TimeUnit.SECONDS));
        assertTrue(failed.getCause().getMessage().contains("nothing of it is stored"), failed.getCause().getMessage());
    }

    @Test
    void aOnePhaseCommitSendsTheBatchWithItsCommitAndARefusalStoresNothing() throws Exception {
        NatsManagedConnection mc = connect(NATS.server().url(), null);
        List<CompletableFuture<PublishAck>> acks = new ArrayList<>();
        Xid xid = staged(mc, 3, acks);
        mc.getXAResource().commit(xid, true);
        assertEquals(3, stored());
        assertNotNull(acks.get(2).get(1, TimeUnit.SECONDS).getBatchId(), "committed as a batch");

        jsm.updateStream(StreamConfiguration.builder(jsm.getStreamInfo(stream).getConfiguration()).maxMsgSize(400)
                .build());
        Xid refused = new TestXid();
        XAResource xa = mc.getXAResource();
        xa.start(refused, XAResource.TMNOFLAGS);
        NatsConnection h = handle(mc);
        h.jetStreamPublish(subjects + ".a", null, new byte[10], null);
        h.jetStreamPublish(subjects + ".b", null, new byte[1000], null);
        xa.end(refused, XAResource.TMSUCCESS);
        XAException e = assertThrows(XAException.class, () -> xa.commit(refused, true));
        assertEquals(XAException.XA_RBROLLBACK, e.errorCode);
        assertEquals(3, stored(), "the refused transaction's first message is not stored either");
    }

    @Test
    void theCommitLostForLongerThanTheBatchLifetimeIsReportedHeuristicRollback() throws Exception {
        try (TcpProxy proxy = new TcpProxy(NATS.server().port())) {
            NatsManagedConnection mc = connect(proxy.url(), null);
            List<CompletableFuture<PublishAck>> acks = new ArrayList<>();
            Xid xid = staged(mc, 2, acks);
            assertEquals(XAResource.XA_OK, mc.getXAResource().prepare(xid));
            proxy.cut();
            Await.until(WAIT, "the client noticed", () -> !mc.connected());
            XAException e = assertThrows(XAException.class, () -> mc.getXAResource().commit(xid, false));
            assertEquals(XAException.XA_HEURRB, e.errorCode, e.getMessage());
            proxy.restore();
            Await.until(WAIT, "reconnected", mc::connected);
            assertEquals(0, stored(), "the messages of a commit reported rolled back are not stored");
            LogRecord error = logged.stream().filter(r -> r.getLevel() == java.util.logging.Level.SEVERE)
                    .findFirst().orElseThrow(() -> new AssertionError("no ERROR logged: " + logged));
            String batch = e.getMessage().replaceAll("(?s).*atomic batch (\\S+)\\).*", "$1");
            assertTrue(error.getMessage().contains(dev.natsjca.tx.Xids.describe(xid)) && error.getMessage().contains("atomic batch " + batch),
                    "the ERROR names the transaction and the batch: " + error.getMessage());
            ExecutionException failed = assertThrows(ExecutionException.class, () -> acks.get(0).get(1, TimeUnit.SECONDS));
            assertTrue(failed.getCause().getMessage().contains("stored nothing"), failed.getCause().getMessage());
            // The transaction manager forgets a heuristic branch; until then it is known.
            assertThrows(XAException.class, () -> mc.getXAResource().commit(xid, false));
            mc.getXAResource().forget(xid);
            XAException gone = assertThrows(XAException.class, () -> mc.getXAResource().commit(xid, false));
            assertEquals(XAException.XAER_NOTA, gone.errorCode);
        }
    }

    @Test
    void aCommitSentIntoAConnectionThatAnswersNothingIsReportedUnknownNeverCommitted() throws Exception {
        try (TcpProxy proxy = new TcpProxy(NATS.server().port())) {
            NatsManagedConnection mc = connect(proxy.url(), null);
            Xid xid = staged(mc, 2, null);
            assertEquals(XAResource.XA_OK, mc.getXAResource().prepare(xid));
            proxy.blackhole(); // the commit may or may not reach the server: nobody can tell
            XAException e = assertThrows(XAException.class, () -> mc.getXAResource().commit(xid, false));
            assertEquals(XAException.XA_HEURHAZ, e.errorCode, e.getMessage());
            assertTrue(e.getMessage().contains("may or may not be stored"), e.getMessage());
            // The transaction is over; asked again, the branch still tells its outcome, never "rolled back".
            ((StagingXAResource) mc.getXAResource()).completed(xid, jakarta.transaction.Status.STATUS_COMMITTED);
            assertEquals(XAException.XA_HEURHAZ, assertThrows(XAException.class,
                    () -> mc.getXAResource().commit(xid, false)).errorCode);
            assertEquals(XAException.XA_HEURHAZ, assertThrows(XAException.class,
                    () -> mc.getXAResource().rollback(xid)).errorCode);
            mc.getXAResource().forget(xid);
            assertEquals(XAException.XAER_NOTA, assertThrows(XAException.class,
                    () -> mc.getXAResource().commit(xid, false)).errorCode);
            proxy.restore();
        }
    }

    @Test
    void aCommitAfterTheServerDroppedTheIdleBatchSendsItWholeAgain() throws Exception {
        NatsManagedConnection mc = connect(NATS.server().url(), null);
        List<Message> abandoned = new CopyOnWriteArrayList<>();
        observer.createDispatcher(abandoned::add).subscribe("$JS.EVENT.ADVISORY.STREAM.BATCH_ABANDONED." + stream);
        observer.flush(WAIT);
        List<CompletableFuture<PublishAck>> acks = new ArrayList<>();
        Xid xid = staged(mc, 3, acks);
        assertEquals(XAResource.XA_OK, mc.getXAResource().prepare(xid));
        // The rest of the two-phase commit takes longer than the batch's lifetime (a slow last resource).
        Await.until(WAIT, "the server abandons the idle batch", () -> !abandoned.isEmpty());
        assertTrue(new String(abandoned.get(0).getData(), StandardCharsets.UTF_8).contains("timeout"));
        mc.getXAResource().commit(xid, false);
        assertEquals(3, stored());
        assertEquals(stored(), acks.get(2).get(1, TimeUnit.SECONDS).getSeqno());
    }

    @Test
    void anExpectedSequenceIsCheckedAtCommit() throws Exception {
        // required: the condition travels in the batch, and the server checks it when the batch commits.
        NatsManagedConnection mc = connect(NATS.server().url(), "required");
        String subject = subjects + ".account";
        Xid xid = new TestXid();
        XAResource xa = mc.getXAResource();
        xa.start(xid, XAResource.TMNOFLAGS);
        handle(mc).jetStreamPublish(subject, null, new byte[] {1},
                PublishOptions.builder().expectedLastSubjectSequence(0).build());
        xa.end(xid, XAResource.TMSUCCESS);
        assertEquals(XAResource.XA_OK, xa.prepare(xid), "the condition is not checked at prepare");
        observer.jetStream().publish(subject, new byte[] {2}); // another writer, after the vote
        XAException e = assertThrows(XAException.class, () -> xa.commit(xid, false));
        assertEquals(XAException.XA_HEURRB, e.errorCode);
        assertTrue(e.getMessage().contains("refused the batch at commit"), e.getMessage());
        assertEquals(1, stored(), "only the other writer's message");

        // auto: a condition in a two-phase commit keeps today's mechanism, where it decides the vote.
        NatsManagedConnection auto = connect(NATS.server().url(), "auto");
        Xid second = new TestXid();
        XAResource xa2 = auto.getXAResource();
        xa2.start(second, XAResource.TMNOFLAGS);
        handle(auto).jetStreamPublish(subject, null, new byte[] {3},
                PublishOptions.builder().expectedLastSubjectSequence(0).build());
        xa2.end(second, XAResource.TMSUCCESS);
        XAException vote = assertThrows(XAException.class, () -> xa2.prepare(second));
        assertEquals(XAException.XA_RBINTEGRITY, vote.errorCode, "the failed condition votes rollback");
        assertEquals(1, stored());
    }

    @Test
    void aStreamThatRefusesWhenFullDecidesTheVoteWithAutoAndTheCommitWithRequired() throws Exception {
        jsm.updateStream(StreamConfiguration.builder(jsm.getStreamInfo(stream).getConfiguration())
                .discardPolicy(io.nats.client.api.DiscardPolicy.New).maxMessages(1).build());
        jsm.getStreamInfo(stream); // the directory lists the streams again within its age
        NatsManagedConnection auto = connect(NATS.server().url(), "auto");
        Xid first = staged(auto, 1, null);
        assertEquals(XAResource.XA_OK, auto.getXAResource().prepare(first));
        assertEquals(1, stored(), "auto: sent at prepare, where a full stream votes rollback");
        auto.getXAResource().commit(first, false);
        Xid full = staged(auto, 1, null);
        assertEquals(XAException.XA_RBINTEGRITY, assertThrows(XAException.class,
                () -> auto.getXAResource().prepare(full)).errorCode);

        NatsManagedConnection strict = connect(NATS.server().url(), "required");
        Xid atCommit = staged(strict, 1, null);
        assertEquals(XAResource.XA_OK, strict.getXAResource().prepare(atCommit), "required: staged");
        XAException e = assertThrows(XAException.class, () -> strict.getXAResource().commit(atCommit, false));
        assertEquals(XAException.XA_HEURRB, e.errorCode, e.getMessage());
        assertEquals(1, stored());
    }

    /**
     * A stream electing its leader (a node of the cluster lost) answers 503 "no responders"; here,
     * a server restarted without JetStream answers the same. Prepare stages the batch again, under
     * a new id, until the stream takes it, instead of rolling the transaction back.
     */
    @Test
    void aPrepareNoStreamAnsweredStagesAgainUntilOneDoes() throws Exception {
        try (NatsServer own = NatsServer.start()) {
            NatsManagedConnection mc = connect(own.url(), "required");
            try (Connection ownObserver = Nats.connect(own.url())) {
                ownObserver.jetStreamManagement().addStream(StreamConfiguration.builder().name("ELECTING")
                        .subjects("electing.>").storageType(StorageType.File).allowAtomicPublish(true).build());
            }
            NatsConnection h = handle(mc);
            XAResource xa = mc.getXAResource();
            Xid warm = new TestXid(); // a transaction first: the connection knows the stream (for 5 s)
            xa.start(warm, XAResource.TMNOFLAGS);
            h.jetStreamPublish("electing.warm", null, new byte[] {0}, null);
            xa.end(warm, XAResource.TMSUCCESS);
            xa.commit(warm, true);
            Xid xid = new TestXid();
            xa.start(xid, XAResource.TMNOFLAGS);
            for (int k = 1; k <= 3; k++) {
                h.jetStreamPublish("electing.m" + k, null, new byte[] {(byte) k}, null);
            }
            xa.end(xid, XAResource.TMSUCCESS);
            own.stop();
            own.startAgain(false);
            Await.until(WAIT, "reconnected to the server without JetStream", mc::connected);
            long sentBefore = mc.jnats().getStatistics().getOutMsgs();
            CompletableFuture<Void> jetStreamBack = CompletableFuture.runAsync(() -> {
                // Once the batch has been answered "no responders" and staged again, JetStream comes back.
                Await.until(WAIT, "the batch staged twice", () -> mc.jnats().getStatistics().getOutMsgs()
                        >= sentBefore + 6);
                own.stop();
                own.startAgain(true);
            });
            assertEquals(XAResource.XA_OK, xa.prepare(xid));
            jetStreamBack.get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
            xa.commit(xid, false);
            try (Connection check = Nats.connect(own.url())) {
                assertEquals(4, check.jetStreamManagement().getStreamInfo("ELECTING").getStreamState().getMsgCount(),
                        "the warm-up and the three, once each");
            }
        }
    }

    /**
     * A staging request nobody answers (the stream's leader left with it, a lame duck shut its
     * JetStream down): prepare does not wait out its whole timeout for it, it stages the batch
     * again, under a new id, and the commit stores each message once. Here the stream answers
     * nothing (no_ack) until the first staging has gone out.
     */
    @Test
    void aStagingNobodyAnswersIsStagedAgainUnderANewIdWithinPrepare() throws Exception {
        NatsManagedConnection mc = connect(NATS.server().url(), "required");
        StreamConfiguration silent = jsm.getStreamInfo(stream).getConfiguration();
        jsm.updateStream(StreamConfiguration.builder(silent).noAck(true).build());
        Xid xid = staged(mc, 3, null);
        long sentBefore = mc.jnats().getStatistics().getOutMsgs();
        CompletableFuture<Void> answering = CompletableFuture.runAsync(() -> {
            Await.until(WAIT, "the batch staged once", () -> mc.jnats().getStatistics().getOutMsgs() >= sentBefore + 3);
            try {
                jsm.updateStream(silent);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertEquals(XAResource.XA_OK, mc.getXAResource().prepare(xid));
        answering.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertTrue(mc.jnats().getStatistics().getOutMsgs() >= sentBefore + 3 + 1 + 3,
                "staged, aborted and staged again: " + (mc.jnats().getStatistics().getOutMsgs() - sentBefore));
        assertEquals(0, stored());
        mc.getXAResource().commit(xid, false);
        assertEquals(3, stored(), "each message once");
    }

    /**
     * A stream that answers, but slowly (here: a stand-in answering each staging after 5 s, the
     * stream itself silent), is not mistaken for one that lost the staging for good: prepare
     * stages again once, after a third of its timeout, and the second staging has the rest.
     */
    @Test
    void aSlowStagingAnswerStillVotesCommitWithinThePrepareTimeout() throws Exception {
        NatsManagedConnection mc = connect(NATS.server().url(), "required");
        jsm.updateStream(StreamConfiguration.builder(jsm.getStreamInfo(stream).getConfiguration()).noAck(true).build());
        java.util.concurrent.ScheduledExecutorService later = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        try {
            io.nats.client.Dispatcher slow = observer.createDispatcher(m -> {
                if (m.getReplyTo() != null) {
                    later.schedule(() -> observer.publish(m.getReplyTo(), new byte[0]), 5, TimeUnit.SECONDS);
                }
            });
            slow.subscribe(subjects + ".>");
            observer.flush(WAIT);
            Xid xid = staged(mc, 2, null);
            assertEquals(XAResource.XA_OK, mc.getXAResource().prepare(xid));
            mc.getXAResource().rollback(xid);
            assertEquals(0, stored());
        } finally {
            later.shutdownNow();
        }
    }

    @Test
    void beyondFiftyBatchesInPrepareOnOneStreamAutoFallsBackAndRequiredVotesRollback() throws Exception {
        NatsManagedConnection mc = connect(NATS.server().url(), null);
        List<Xid> prepared = new ArrayList<>();
        for (int k = 0; k < 50; k++) {
            Xid xid = staged(mc, 1, null);
            assertEquals(XAResource.XA_OK, mc.getXAResource().prepare(xid));
            prepared.add(xid);
        }
        assertEquals(0, stored(), "fifty batches held, none stored");
        Xid fallback = staged(mc, 1, null);
        assertEquals(XAResource.XA_OK, mc.getXAResource().prepare(fallback));
        assertEquals(1, stored(), "the 51st is sent at prepare, as without atomic commit");
        mc.getXAResource().commit(fallback, false);

        NatsManagedConnection strict = connect(NATS.server().url(), "required");
        Xid refused = staged(strict, 1, null);
        XAException e = assertThrows(XAException.class, () -> strict.getXAResource().prepare(refused));
        assertEquals(XAException.XA_RBTRANSIENT, e.errorCode);
        assertTrue(e.getMessage().contains("at most 50 batches"), e.getMessage());
        assertEquals(1, stored());

        for (Xid xid : prepared) {
            mc.getXAResource().commit(xid, false);
        }
        assertEquals(51, stored());
    }

    @Test
    void aConcurrentReaderNeverSeesPartOfATransaction() throws Exception {
        int writers = 4;
        int transactions = 25;
        int size = 5;
        List<String> partial = new CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicInteger firsts = new java.util.concurrent.atomic.AtomicInteger();
        try (Connection reader = Nats.connect(NATS.server().url())) {
            JetStreamManagement readerJsm = reader.jetStreamManagement();
            io.nats.client.Dispatcher d = reader.createDispatcher();
            // Every message a reader sees: when it is a transaction's first, its last must be stored already.
            reader.jetStream().subscribe(subjects + ".>", d, m -> {
                long seq = m.metaData().streamSequence();
                String body = new String(m.getData(), StandardCharsets.UTF_8);
                if (body.endsWith("/1")) {
                    try {
                        MessageInfo last = readerJsm.getMessage(stream, seq + size - 1);
                        String tx = body.substring(0, body.lastIndexOf('/'));
                        if (!new String(last.getData(), StandardCharsets.UTF_8).equals(tx + "/" + size)) {
                            partial.add(body + " then " + new String(last.getData(), StandardCharsets.UTF_8));
                        }
                    } catch (JetStreamApiException | java.io.IOException e) {
                        partial.add(body + ": its last message is not stored yet (" + e.getMessage() + ")");
                    } finally {
                        firsts.incrementAndGet(); // counted once checked: the reader closes when all are
                    }
                }
            }, false, io.nats.client.PushSubscribeOptions.builder().ordered(true).build());
            List<Thread> threads = new ArrayList<>();
            List<Throwable> failures = new CopyOnWriteArrayList<>();
            for (int w = 0; w < writers; w++) {
                NatsManagedConnection mc = connect(NATS.server().url(), null);
                int writer = w;
                threads.add(new Thread(() -> {
                    try {
                        for (int t = 0; t < transactions; t++) {
                            Xid xid = new TestXid();
                            mc.getXAResource().start(xid, XAResource.TMNOFLAGS);
                            NatsConnection h = handle(mc);
                            for (int k = 1; k <= size; k++) {
                                h.jetStreamPublish(subjects + ".w" + writer, null,
                                        ("w" + writer + "t" + t + "/" + k).getBytes(StandardCharsets.UTF_8), null);
                            }
                            mc.getXAResource().end(xid, XAResource.TMSUCCESS);
                            mc.getXAResource().prepare(xid);
                            mc.getXAResource().commit(xid, false);
                        }
                    } catch (Exception | AssertionError e) {
                        failures.add(e);
                    }
                }));
            }
            threads.forEach(Thread::start);
            for (Thread t : threads) {
                t.join(WAIT.toMillis() * 3);
            }
            assertEquals(List.of(), failures);
            Await.until(WAIT, () -> "the reader saw every transaction's first message, saw " + firsts.get(),
                    () -> firsts.get() == writers * transactions);
        }
        assertEquals(List.of(), partial, "a reader saw part of a transaction");
        assertEquals((long) writers * transactions * size, stored());
    }

    @Test
    void theCommitCanTravelInTheLastMessageWhereTheServerHasNoEndOfBatchMarker() throws Exception {
        NatsManagedConnection mc = connect(NATS.server().url(), null);
        for (int n : new int[] {1, 3}) {
            List<StagingXAResource.Staged> messages = new ArrayList<>();
            for (int k = 1; k <= n; k++) {
                Headers h = new Headers();
                h.put("Nats-Msg-Id", "last-" + n + "-" + k);
                messages.add(new StagingXAResource.Staged(subjects + ".last", h, new byte[] {(byte) k}, true, null,
                        null, true));
            }
            long before = stored();
            AtomicBatch batch = new AtomicBatch(mc, messages, stream, AtomicBatch.Finish.LAST, Duration.ofSeconds(5));
            batch.stage();
            assertEquals(before, stored());
            PublishAck ack = batch.commit();
            assertEquals(n, ack.getBatchSize());
            assertEquals(before + n, stored());
            MessageInfo last = jsm.getMessage(stream, ack.getSeqno());
            assertEquals("1", last.getHeaders().getFirst("Nats-Batch-Commit"));
            assertEquals(n, last.getData()[0]);
        }
    }

    @Test
    void aMessageThatFitsOnlyWithoutTheBatchHeadersIsSentAtPrepareOrRefusedWhenRequired() throws Exception {
        for (String mode : new String[] {"auto", "required"}) {
            NatsManagedConnection mc = connect(NATS.server().url(), mode);
            Xid xid = new TestXid();
            XAResource xa = mc.getXAResource();
            xa.start(xid, XAResource.TMNOFLAGS);
            NatsConnection h = handle(mc);
            h.jetStreamPublish(subjects + ".a", null, new byte[10], null);
            // Fits max_payload alone; not with the batch's headers.
            h.jetStreamPublish(subjects + ".b", null, new byte[(int) mc.maxPayload() - 60], null);
            xa.end(xid, XAResource.TMSUCCESS);
            if (mode.equals("auto")) {
                assertEquals(XAResource.XA_OK, xa.prepare(xid));
                assertEquals(2, stored(), "sent at prepare, as without atomic commit");
                xa.commit(xid, false);
                continue;
            }
            XAException e = assertThrows(XAException.class, () -> xa.prepare(xid));
            assertEquals(XAException.XA_RBINTEGRITY, e.errorCode);
            assertTrue(e.getMessage().contains("message 2 of 2") && e.getMessage().contains("max_payload"), e.getMessage());
            XAException gone = assertThrows(XAException.class, () -> xa.commit(xid, false));
            assertEquals(XAException.XA_RBROLLBACK, gone.errorCode, "known as rolled back, not stuck sending");
            assertEquals(2, stored());
        }
    }

    @Test
    void theLastMessageIsCheckedAgainstTheStreamsLimitBeforeTheVoteWhenTheCommitTravelsInIt() throws Exception {
        NatsManagedConnection mc = connect(NATS.server().url(), null);
        List<StagingXAResource.Staged> messages = List.of(
                new StagingXAResource.Staged(subjects + ".a", null, new byte[10], true, null, null, true),
                new StagingXAResource.Staged(subjects + ".b", null, new byte[1000], true, null, null, true));
        AtomicBatch batch = new AtomicBatch(mc, messages, stream, 500, AtomicBatch.Finish.LAST, Duration.ofSeconds(5));
        AtomicBatch.Refused r = assertThrows(AtomicBatch.Refused.class, batch::stage);
        assertTrue(r.getMessage().contains("message 2 of 2") && r.getMessage().contains("max_msg_size of 500"),
                r.getMessage());
        assertEquals(0, stored());
    }

    @Test
    void aCommitOnAnInterruptedThreadStillReachesTheServer() throws Exception {
        NatsManagedConnection mc = connect(NATS.server().url(), null);
        Xid xid = staged(mc, 2, null);
        assertEquals(XAResource.XA_OK, mc.getXAResource().prepare(xid));
        Thread.currentThread().interrupt(); // jnats drops what an interrupted thread writes
        try {
            mc.getXAResource().commit(xid, false);
            assertTrue(Thread.currentThread().isInterrupted(), "the thread's interrupt is kept for its owner");
        } finally {
            Thread.interrupted();
        }
        assertEquals(2, stored());
    }

    /**
     * With the application's own ids, a duplicate after an unanswered commit proves nothing by
     * itself (an older message may have the id): the batch says so, and the branch (auto) sends
     * the messages one by one, whose acknowledgements tell — here, each a duplicate of what the
     * lost commit stored: committed, nothing stored twice, no heuristic outcome.
     */
    @Test
    void afterAnUnansweredCommitADuplicateOfApplicationIdsIsToldApartOneByOne() throws Exception {
        NatsManagedConnection mc = connect(NATS.server().url(), null);
        List<StagingXAResource.Staged> messages = new ArrayList<>();
        for (int k = 1; k <= 2; k++) {
            Headers h = new Headers();
            h.put("Nats-Msg-Id", "app-" + stream + "-" + k);
            messages.add(new StagingXAResource.Staged(subjects + ".lost", h, new byte[] {(byte) k}, true, null,
                    new CompletableFuture<>(), false));
        }
        AtomicBatch batch = new AtomicBatch(mc, messages, stream, AtomicBatch.Finish.EOB, Duration.ofSeconds(5));
        batch.stage();
        batch.commit(); // stored; suppose its answer never came
        assertEquals(2, stored());
        AtomicBatch.CommitFailed told = assertThrows(AtomicBatch.CommitFailed.class,
                () -> batch.afterUnansweredCommit(Duration.ofSeconds(5)));
        assertEquals(AtomicBatch.Outcome.STORED_OR_DUPLICATE, told.outcome, told.getMessage());
        // What the branch then does: one by one; the stream acknowledges each as a duplicate.
        mc.sendStaged(messages);
        for (StagingXAResource.Staged m : messages) {
            assertTrue(m.ack().toCompletableFuture().getNow(null).isDuplicate(), "a repeat of the stored one");
        }
        assertEquals(2, stored(), "nothing stored twice");
    }

    @Test
    void afterAnUnansweredCommitARefusedResendIsAnUnknownOutcomeAndADuplicateProvesItStored() throws Exception {
        NatsManagedConnection mc = connect(NATS.server().url(), null);
        List<StagingXAResource.Staged> messages = new ArrayList<>();
        for (int k = 1; k <= 2; k++) {
            Headers h = new Headers();
            h.put("Nats-Msg-Id", io.nats.client.NUID.nextGlobal());
            messages.add(new StagingXAResource.Staged(subjects + ".lost", h, new byte[] {(byte) k}, true, null, null,
                    true));
        }
        AtomicBatch batch = new AtomicBatch(mc, messages, stream, AtomicBatch.Finish.EOB, Duration.ofSeconds(5));
        batch.stage();
        batch.commit(); // stored; suppose its answer never came
        assertEquals(2, stored());
        // Fifty batches open on the stream: the re-send is refused for the moment, again and again.
        List<String> open = new ArrayList<>();
        for (int k = 0; k < 50; k++) {
            String id = io.nats.client.NUID.nextGlobal();
            Headers h = new Headers();
            h.put("Nats-Batch-Id", id);
            h.put("Nats-Batch-Sequence", "1");
            Message reply = observer.request(io.nats.client.impl.NatsMessage.builder().subject(subjects + ".other")
                    .headers(h).data(new byte[1]).build(), WAIT);
            assertEquals(0, reply.getData().length, new String(reply.getData(), StandardCharsets.UTF_8));
            open.add(id);
        }
        AtomicBatch.CommitFailed unknown = assertThrows(AtomicBatch.CommitFailed.class,
                () -> batch.afterUnansweredCommit(Duration.ofSeconds(1)));
        assertEquals(AtomicBatch.Outcome.HAZARD, unknown.outcome, "never 'nothing stored' after an unanswered commit: "
                + unknown.getMessage());
        for (String id : open) { // abort them
            Headers h = new Headers();
            h.put("Nats-Batch-Id", id);
            h.put("Nats-Batch-Sequence", "3");
            observer.publish(io.nats.client.impl.NatsMessage.builder().subject(subjects + ".other").headers(h)
                    .data(new byte[0]).build());
        }
        observer.flush(WAIT);
        PublishAck ack = batch.afterUnansweredCommit(Duration.ofSeconds(5));
        assertTrue(ack.isDuplicate(), "the re-send proves the lost commit stored the batch");
        assertEquals(2, stored(), "and stores nothing twice");
    }

    @Test
    void forgetIsOnlyForABranchCompletedHeuristically() throws Exception {
        NatsManagedConnection mc = connect(NATS.server().url(), null);
        Xid xid = staged(mc, 1, null);
        assertEquals(XAResource.XA_OK, mc.getXAResource().prepare(xid));
        XAException e = assertThrows(XAException.class, () -> mc.getXAResource().forget(xid));
        assertEquals(XAException.XAER_PROTO, e.errorCode);
        mc.getXAResource().commit(xid, false);
        assertEquals(1, stored(), "the prepared branch was still committed");
    }

    @Test
    void applicationsCannotSendTheBatchProtocolsHeaders() throws Exception {
        NatsManagedConnection mc = connect(NATS.server().url(), null);
        Headers h = new Headers();
        h.put("nats-batch-id", "mine");
        NatsException e = assertThrows(NatsException.class,
                () -> handle(mc).jetStreamPublish(subjects + ".x", h, new byte[1], null));
        assertTrue(e.getMessage().contains("'nats-batch-id'") && e.getMessage().contains(subjects + ".x"), e.getMessage());
        assertThrows(NatsException.class, () -> handle(mc).publish(subjects + ".x", h, new byte[1]));
        assertEquals(0, stored());
    }

    @Test
    void aRepeatedApplicationMessageIdIsDroppedAsWithoutAtomicCommit() throws Exception {
        NatsManagedConnection mc = connect(NATS.server().url(), null);
        observer.jetStream().publish(subjects + ".once", null, new byte[] {1},
                PublishOptions.builder().messageId("order-1").build());
        for (boolean twoPhase : new boolean[] {false, true}) {
            Xid xid = new TestXid();
            XAResource xa = mc.getXAResource();
            xa.start(xid, XAResource.TMNOFLAGS);
            NatsConnection h = handle(mc);
            // A redelivered bean publishing its message again, and a new one.
            CompletableFuture<PublishAck> again = h.jetStreamPublish(subjects + ".once", null, new byte[] {1},
                    PublishOptions.builder().messageId("order-1").build()).toCompletableFuture();
            h.jetStreamPublish(subjects + ".new", null, new byte[] {2}, null);
            xa.end(xid, XAResource.TMSUCCESS);
            if (twoPhase) {
                xa.prepare(xid);
                xa.commit(xid, false);
            } else {
                xa.commit(xid, true);
            }
            assertTrue(again.get(1, TimeUnit.SECONDS).isDuplicate());
        }
        assertEquals(3, stored(), "the repeat dropped, each new message stored");
    }

    @Test
    void whatCannotBeAtomicKeepsTodaysMechanismOrIsRefusedWhenRequired() throws Exception {
        jsm.addStream(StreamConfiguration.builder().name(stream + "PLAIN").subjects("plain" + streams + ".>")
                .storageType(StorageType.Memory).build());
        jsm.addStream(StreamConfiguration.builder().name(stream + "B").subjects(subjects + "b.>")
                .storageType(StorageType.Memory).allowAtomicPublish(true).build());
        String[][] cases = {
                {"core", "is a core NATS publish"},
                {"plain", "does not allow atomic publish"},
                {"two streams", "several streams"},
        };
        for (String[] c : cases) {
            for (String mode : new String[] {"auto", "required"}) {
                NatsManagedConnection mc = connect(NATS.server().url(), mode);
                Xid xid = new TestXid();
                XAResource xa = mc.getXAResource();
                xa.start(xid, XAResource.TMNOFLAGS);
                NatsConnection h = handle(mc);
                switch (c[0]) {
                    case "core" -> {
                        h.jetStreamPublish(subjects + ".a", null, new byte[1], null);
                        h.publish("core" + streams + ".x", new byte[1]);
                    }
                    case "plain" -> h.jetStreamPublish("plain" + streams + ".a", null, new byte[1], null);
                    default -> {
                        h.jetStreamPublish(subjects + ".a", null, new byte[1], null);
                        h.jetStreamPublish(subjects + "b.a", null, new byte[1], null);
                    }
                }
                xa.end(xid, XAResource.TMSUCCESS);
                if (mode.equals("auto")) {
                    assertEquals(XAResource.XA_OK, xa.prepare(xid), c[0]);
                    xa.commit(xid, false);
                } else {
                    XAException e = assertThrows(XAException.class, () -> xa.prepare(xid), c[0]);
                    assertEquals(XAException.XA_RBROLLBACK, e.errorCode);
                    assertTrue(e.getMessage().contains("atomicCommit=required") && e.getMessage().contains(c[1]),
                            e.getMessage());
                }
            }
        }
        assertEquals(2, stored(), "auto sent the core and the two-stream transactions' messages at prepare");
        assertEquals(1, jsm.getStreamInfo(stream + "PLAIN").getStreamState().getMsgCount());
        assertEquals(1, jsm.getStreamInfo(stream + "B").getStreamState().getMsgCount());
    }

    @Test
    void moreMessagesThanABatchHoldsKeepTodaysMechanism() throws Exception {
        NatsManagedConnection mc = connect(NATS.server().url(), null);
        Xid xid = staged(mc, AtomicBatch.MAX_MESSAGES, null);
        assertEquals(XAResource.XA_OK, mc.getXAResource().prepare(xid));
        assertEquals(AtomicBatch.MAX_MESSAGES, stored(), "sent at prepare: one more than a batch holds with its marker");
        mc.getXAResource().commit(xid, false);
        assertFalse(logged.stream().anyMatch(r -> r.getLevel() == java.util.logging.Level.SEVERE));
    }
}
