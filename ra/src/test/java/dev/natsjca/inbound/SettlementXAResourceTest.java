package dev.natsjca.inbound;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import dev.natsjca.testing.TestXid;

/**
 * The resource that settles a transacted delivery: the transaction's outcome is decided when it
 * is called, so a settlement that fails (an ack on a connection that dropped) is logged, never
 * thrown into the transaction manager, and each delivery is settled once.
 */
class SettlementXAResourceTest {

    @Test
    void aFailingSettlementNeverEscapesCommitOrRollback() throws Exception {
        SettlementXAResource commit = new SettlementXAResource("test", null, () -> {
            throw new IllegalStateException("Connection closed");
        }, why -> { }, () -> { });
        commit.commit(new TestXid(), true); // must not throw

        SettlementXAResource rollback = new SettlementXAResource("test", null, () -> { }, why -> {
            throw new IllegalStateException("Connection closed");
        }, () -> { });
        rollback.rollback(new TestXid()); // must not throw
    }

    @Test
    void aDeliveryIsSettledOnceWhateverTheTransactionManagerCalls() throws Exception {
        AtomicInteger acks = new AtomicInteger();
        AtomicInteger naks = new AtomicInteger();
        SettlementXAResource r = new SettlementXAResource("test", null, acks::incrementAndGet, why -> naks.incrementAndGet(), () -> { });
        r.commit(new TestXid(), false);
        r.commit(new TestXid(), false);
        r.rollback(new TestXid());
        r.settleInstead(naks::incrementAndGet);
        assertEquals(1, acks.get());
        assertEquals(0, naks.get());
    }

    @Test
    void aDeliveryWhoseTransactionNeverSettledItIsSettledOnceByTheFallbackAndTheLateOutcomeIsIgnored() throws Exception {
        AtomicInteger acks = new AtomicInteger();
        AtomicInteger naks = new AtomicInteger();
        SettlementXAResource r = new SettlementXAResource("test", null, acks::incrementAndGet, why -> naks.incrementAndGet(), () -> { });
        r.settleInstead(naks::incrementAndGet); // afterDelivery returned, the transaction had not called
        r.commit(new TestXid(), true); // a late, asynchronous outcome
        assertEquals(0, acks.get(), "acked after the delivery was given up as failed");
        assertEquals(1, naks.get());
    }

    @Test
    void aDeliveryThatTimedOutRefusesToPrepareOrCommitInOnePhaseSoItsTransactionRollsBack() throws Exception {
        AtomicInteger acks = new AtomicInteger();
        SettlementXAResource r = new SettlementXAResource("test", null, acks::incrementAndGet, why -> { }, () -> { });
        org.junit.jupiter.api.Assertions.assertTrue(r.timedOut(), "the time-out came first: it decides");
        javax.transaction.xa.XAException prepare = org.junit.jupiter.api.Assertions.assertThrows(
                javax.transaction.xa.XAException.class, () -> r.prepare(new TestXid()));
        assertEquals(javax.transaction.xa.XAException.XA_RBTIMEOUT, prepare.errorCode);
        javax.transaction.xa.XAException commit = org.junit.jupiter.api.Assertions.assertThrows(
                javax.transaction.xa.XAException.class, () -> r.commit(new TestXid(), true));
        assertEquals(javax.transaction.xa.XAException.XA_RBTIMEOUT, commit.errorCode);
        assertEquals(0, acks.get(), "acked a delivery that timed out");
    }

    @Test
    void aTimeOutAfterTheTransactionVotedLeavesTheDeliveryToTheTransaction() throws Exception {
        AtomicInteger acks = new AtomicInteger();
        SettlementXAResource prepared = new SettlementXAResource("test", null, acks::incrementAndGet, why -> { }, () -> { });
        assertEquals(javax.transaction.xa.XAResource.XA_OK, prepared.prepare(new TestXid()));
        org.junit.jupiter.api.Assertions.assertFalse(prepared.timedOut(), "a time-out after the vote must not settle it");
        prepared.commit(new TestXid(), false);
        assertEquals(1, acks.get(), "the committed transaction acks");

        SettlementXAResource onePhase = new SettlementXAResource("test", null, acks::incrementAndGet, why -> { }, () -> { });
        onePhase.commit(new TestXid(), true);
        org.junit.jupiter.api.Assertions.assertFalse(onePhase.timedOut());
        assertEquals(2, acks.get());
    }

    /** A settlement resource in a server's registry, recording how it settled and whether it fell back. */
    private static final class InServer {
        final dev.natsjca.testing.TestTransactionRegistry registry = new dev.natsjca.testing.TestTransactionRegistry();
        final java.util.List<String> reasons = new java.util.ArrayList<>();
        final AtomicInteger fallbacks = new AtomicInteger();
        final AtomicInteger acks = new AtomicInteger();
        final AtomicInteger naks = new AtomicInteger();
        final TestXid xid = new TestXid();
        final SettlementXAResource resource = new SettlementXAResource("test", registry, acks::incrementAndGet, why -> {
            naks.incrementAndGet();
            reasons.add(why);
        }, fallbacks::incrementAndGet);

        /** Starts the branch, in an active transaction on this thread when {@code active}. */
        InServer started(boolean active) {
            if (active) {
                registry.status(jakarta.transaction.Status.STATUS_ACTIVE);
            }
            resource.start(xid, javax.transaction.xa.XAResource.TMNOFLAGS);
            return this;
        }
    }

    /**
     * In a server the ack waits for the whole transaction: a crash between this resource's commit
     * and a later resource's (the bean's atomic batch) must mean a redelivery, not a message
     * consumed whose effects were never stored.
     */
    @Test
    void inAServerTheAckLeavesOnlyAfterEveryResourceCommitted() throws Exception {
        InServer t = new InServer().started(true);
        t.resource.end(t.xid, javax.transaction.xa.XAResource.TMSUCCESS);
        assertEquals(javax.transaction.xa.XAResource.XA_OK, t.resource.prepare(t.xid));
        t.resource.commit(t.xid, false);
        assertEquals(0, t.acks.get(), "acked before the transaction's other resources committed");
        t.registry.complete(jakarta.transaction.Status.STATUS_COMMITTED);
        assertEquals(1, t.acks.get());
        assertEquals(0, t.naks.get());
    }

    @Test
    void aTransactionThatDoesNotEndCommittedRedeliversTheMessage() throws Exception {
        InServer t = new InServer().started(true);
        t.resource.commit(t.xid, true);
        t.registry.complete(jakarta.transaction.Status.STATUS_UNKNOWN); // a heuristic outcome elsewhere
        assertEquals(0, t.acks.get());
        assertEquals(1, t.naks.get(), "an outcome not known to be committed: redelivered (its effects repeat by id)");
        org.junit.jupiter.api.Assertions.assertTrue(t.reasons.get(0).contains("not known to be committed"),
                t.reasons.toString());
        assertEquals(0, t.fallbacks.get());
    }

    @Test
    void withoutATransactionToWaitForCommitAcksAtOnce() throws Exception {
        InServer t = new InServer().started(false); // no active transaction on this thread
        t.resource.commit(t.xid, true);
        assertEquals(1, t.acks.get());
        assertEquals(1, t.fallbacks.get(), "the activation is told, to warn once");
    }
}
