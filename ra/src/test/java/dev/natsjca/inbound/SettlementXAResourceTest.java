package dev.natsjca.inbound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
        assertTrue(commit.settled());

        SettlementXAResource rollback = new SettlementXAResource("test", () -> { }, () -> {
            throw new IllegalStateException("Connection closed");
        });
        rollback.rollback(new TestXid()); // must not throw
        assertTrue(rollback.settled());
    }

    @Test
    void aDeliveryIsSettledOnceWhateverTheTransactionManagerCalls() {
        AtomicInteger acks = new AtomicInteger();
        AtomicInteger naks = new AtomicInteger();
        SettlementXAResource r = new SettlementXAResource("test", acks::incrementAndGet, naks::incrementAndGet);
        r.commit(new TestXid(), false);
        r.commit(new TestXid(), false);
        r.rollback(new TestXid());
        assertEquals(1, acks.get());
        assertEquals(0, naks.get());
    }
}
