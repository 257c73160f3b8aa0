package dev.natsjca.outbound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

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
import dev.natsjca.testing.NatsServerExtension;
import dev.natsjca.testing.TestXid;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.api.PublishAck;

/**
 * The staging XAResource driven as a transaction manager drives it, including the calls a
 * transaction manager must never make: each protocol error is refused with the code the XA
 * specification gives it, and no call about a branch whose messages could not be sent answers
 * read-only or success.
 */
class XaProtocolTest {

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
        NatsManagedConnectionFactory mcf = new NatsManagedConnectionFactory();
        mcf.setServerUrls(NATS.server().url());
        mc = (NatsManagedConnection) mcf.createManagedConnection(null, null);
        handle = (NatsConnection) mc.getConnection(null, null);
        xa = mc.getXAResource();
        observer = Nats.connect(NATS.server().url());
        observer.createDispatcher(m -> seen.add(new String(m.getData(), StandardCharsets.UTF_8))).subscribe("xa.>");
        observer.flush(WAIT);
    }

    @AfterEach
    void close() throws Exception {
        observer.close();
        mc.destroy();
    }

    private void publish(String body) {
        handle.publish("xa.core", body.getBytes(StandardCharsets.UTF_8));
    }

    private static int code(XAException e) {
        return e.errorCode;
    }

    private void assertRefused(int expected, XaCall call) {
        XAException e = assertThrows(XAException.class, call::run);
        assertEquals(expected, code(e), e.getMessage());
    }

    @FunctionalInterface
    private interface XaCall {
        void run() throws XAException;
    }

    /** Nothing of the messages published in the test has left: a sentinel sent now arrives alone. */
    private void assertNothingSent() {
        mc.publish("xa.core", null, "sentinel".getBytes(StandardCharsets.UTF_8));
        Await.until(WAIT, () -> "sentinel, seen " + seen, () -> seen.contains("sentinel"));
        assertEquals(List.of("sentinel"), seen);
    }

    @Test
    void joinOrResumeOfAnUnknownBranchIsRefusedAsUnknown() {
        assertRefused(XAException.XAER_NOTA, () -> xa.start(new TestXid(), XAResource.TMJOIN));
        assertRefused(XAException.XAER_NOTA, () -> xa.start(new TestXid(), XAResource.TMRESUME));
    }

    @Test
    void startWhileAnotherBranchIsAssociatedIsAProtocolError() throws Exception {
        xa.start(new TestXid(), XAResource.TMNOFLAGS);
        assertRefused(XAException.XAER_PROTO, () -> xa.start(new TestXid(), XAResource.TMNOFLAGS));
    }

    @Test
    void startingAKnownBranchAgainIsADuplicate() throws Exception {
        Xid xid = new TestXid();
        xa.start(xid, XAResource.TMNOFLAGS);
        xa.end(xid, XAResource.TMSUCCESS);
        assertRefused(XAException.XAER_DUPID, () -> xa.start(xid, XAResource.TMNOFLAGS));
        assertRefused(XAException.XAER_INVAL, () -> xa.start(new TestXid(), XAResource.TMENDRSCAN));
    }

    @Test
    void callsAboutUnknownBranchesAreRefusedAsUnknown() {
        Xid xid = new TestXid();
        assertRefused(XAException.XAER_NOTA, () -> xa.end(xid, XAResource.TMSUCCESS));
        assertRefused(XAException.XAER_NOTA, () -> xa.prepare(xid));
        assertRefused(XAException.XAER_NOTA, () -> xa.commit(xid, true));
        assertRefused(XAException.XAER_NOTA, () -> xa.commit(xid, false));
        assertRefused(XAException.XAER_NOTA, () -> xa.rollback(xid));
        assertRefused(XAException.XAER_NOTA, () -> xa.forget(xid));
    }

    @Test
    void completingABranchOutOfOrderIsAProtocolErrorAndSendsNothing() throws Exception {
        Xid xid = new TestXid();
        xa.start(xid, XAResource.TMNOFLAGS);
        publish("early");
        assertRefused(XAException.XAER_PROTO, () -> xa.prepare(xid)); // not ended
        assertRefused(XAException.XAER_PROTO, () -> xa.commit(xid, true)); // not ended
        xa.end(xid, XAResource.TMSUCCESS);
        assertRefused(XAException.XAER_PROTO, () -> xa.commit(xid, false)); // two-phase, not prepared
        assertNothingSent();
        assertEquals(XAResource.XA_OK, xa.prepare(xid));
        assertRefused(XAException.XAER_PROTO, () -> xa.commit(xid, true)); // one-phase after prepare
        xa.commit(xid, false);
        Await.until(WAIT, () -> "sent at prepare, seen " + seen, () -> seen.contains("early"));
    }

    @Test
    void aBranchEndedWithTmfailVotesRollbackAndSendsNothing() throws Exception {
        Xid xid = new TestXid();
        xa.start(xid, XAResource.TMNOFLAGS);
        publish("failed-work");
        xa.end(xid, XAResource.TMFAIL);
        assertRefused(XAException.XA_RBROLLBACK, () -> xa.prepare(xid));
        assertNothingSent();
    }

    @Test
    void aSuspendedBranchStagesNothingUntilItIsResumed() throws Exception {
        Xid xid = new TestXid();
        xa.start(xid, XAResource.TMNOFLAGS);
        publish("in-branch");
        xa.end(xid, XAResource.TMSUSPEND);
        assertRefused(XAException.XAER_PROTO, () -> xa.start(xid, XAResource.TMJOIN)); // suspended, not ended
        publish("outside"); // not in the branch while it is suspended: sent at once
        Await.until(WAIT, () -> "sent outside the suspended branch, seen " + seen, () -> seen.contains("outside"));
        xa.start(xid, XAResource.TMRESUME);
        publish("resumed");
        xa.end(xid, XAResource.TMSUCCESS);
        xa.commit(xid, true);
        Await.until(WAIT, () -> "both branch messages at commit, seen " + seen, () -> seen.size() == 3);
        assertEquals(List.of("outside", "in-branch", "resumed"), seen);
    }

    @Test
    void theResourceDoesNotPretendToSetATimeout() throws Exception {
        assertFalse(xa.setTransactionTimeout(30));
        assertEquals(0, xa.getTransactionTimeout());
    }

    @Test
    void aConnectionDestroyedBetweenEndAndPrepareMakesTheTransactionRollBack() throws Exception {
        Xid xid = new TestXid();
        xa.start(xid, XAResource.TMNOFLAGS);
        publish("lost-with-the-connection");
        xa.end(xid, XAResource.TMSUCCESS);
        mc.destroy();
        assertRefused(XAException.XA_RBROLLBACK, () -> xa.prepare(xid));
        assertTrue(seen.isEmpty(), seen.toString());
    }

    @Test
    void aConnectionDestroyedBeforeAOnePhaseCommitMakesItRollBack() throws Exception {
        Xid xid = new TestXid();
        xa.start(xid, XAResource.TMNOFLAGS);
        CompletableFuture<PublishAck> ack = handle.jetStreamPublish("xa.js", null, new byte[] {1}, null)
                .toCompletableFuture();
        mc.destroy(); // while still associated: the transaction manager ends it later
        xa.end(xid, XAResource.TMSUCCESS);
        assertRefused(XAException.XA_RBROLLBACK, () -> xa.commit(xid, true));
        assertTrue(ack.isCompletedExceptionally(), "a staged publish outlived its connection");
    }

    @Test
    void aDestroyedConnectionsEmptyBranchIsStillReadOnly() throws Exception {
        Xid xid = new TestXid();
        xa.start(xid, XAResource.TMNOFLAGS);
        xa.end(xid, XAResource.TMSUCCESS);
        mc.destroy();
        assertEquals(XAResource.XA_RDONLY, xa.prepare(xid), "nothing was staged, nothing was lost");
    }

    @Test
    void aBranchEndedByTheTransactionManagerOnAnotherThreadRefusesLaterPublishes() throws Exception {
        Xid xid = new TestXid();
        xa.start(xid, XAResource.TMNOFLAGS);
        publish("before-timeout");
        // The transaction manager's timeout: end(TMFAIL) and rollback from its own thread, the bean still runs.
        Thread reaper = new Thread(() -> {
            try {
                xa.end(xid, XAResource.TMFAIL);
                xa.rollback(xid);
            } catch (XAException e) {
                throw new IllegalStateException(e);
            }
        });
        reaper.start();
        reaper.join();
        NatsException e = assertThrows(NatsException.class, () -> publish("after-timeout"));
        assertTrue(e.getMessage().contains("another thread"), e.getMessage());
        assertThrows(NatsException.class, () -> handle.jetStreamPublish("xa.js", null, new byte[] {1}, null));

        mc.cleanup(); // the pool takes the connection back when the bean's transaction is over
        handle = (NatsConnection) mc.getConnection(null, null);
        assertNothingSent();
    }
}
