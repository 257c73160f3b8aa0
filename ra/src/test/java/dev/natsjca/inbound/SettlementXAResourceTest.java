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
    void aFailingSettlementNeverEscapesCommitOrRollback() {
        SettlementXAResource commit = new SettlementXAResource("test", () -> {
            throw new IllegalStateException("Connection closed");
        }, () -> { });
        commit.commit(new TestXid(), true); // must not throw

        SettlementXAResource rollback = new SettlementXAResource("test", () -> { }, () -> {
            throw new IllegalStateException("Connection closed");
        });
        rollback.rollback(new TestXid()); // must not throw
    }

    @Test
    void aDeliveryIsSettledOnceWhateverTheTransactionManagerCalls() {
        AtomicInteger acks = new AtomicInteger();
        AtomicInteger naks = new AtomicInteger();
        SettlementXAResource r = new SettlementXAResource("test", acks::incrementAndGet, naks::incrementAndGet);
        r.commit(new TestXid(), false);
        r.commit(new TestXid(), false);
        r.rollback(new TestXid());
        r.settleInstead(naks::incrementAndGet);
        assertEquals(1, acks.get());
        assertEquals(0, naks.get());
    }

    @Test
    void aDeliveryWhoseTransactionNeverSettledItIsSettledOnceByTheFallbackAndTheLateOutcomeIsIgnored() {
        AtomicInteger acks = new AtomicInteger();
        AtomicInteger naks = new AtomicInteger();
        SettlementXAResource r = new SettlementXAResource("test", acks::incrementAndGet, naks::incrementAndGet);
        r.settleInstead(naks::incrementAndGet); // afterDelivery returned, the transaction had not called
        r.commit(new TestXid(), true); // a late, asynchronous outcome
        assertEquals(0, acks.get(), "acked after the delivery was given up as failed");
        assertEquals(1, naks.get());
    }
}
