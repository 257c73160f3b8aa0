package dev.natsjca.outbound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

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
import dev.natsjca.testing.StartedAdapter;
import dev.natsjca.testing.TestTransactionRegistry;
import dev.natsjca.testing.TestXid;
import io.nats.client.Connection;
import io.nats.client.Nats;
import jakarta.transaction.Status;

/**
 * In a server, a publish is checked against the calling thread's transaction (through the
 * registry the bootstrap context offers): it is never sent at once where the application expects
 * it to follow a transaction.
 */
class TransactionCheckTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @RegisterExtension
    static final NatsServerExtension NATS = NatsServerExtension.onFreePort();

    private final TestTransactionRegistry transactions = new TestTransactionRegistry();
    private StartedAdapter started;
    private NatsManagedConnection mc;
    private NatsConnection handle;
    private Connection observer;
    private final List<String> seen = new CopyOnWriteArrayList<>();

    @BeforeEach
    void open() throws Exception {
        started = new StartedAdapter(NATS.server().url(), 2, a -> { }, transactions);
        NatsManagedConnectionFactory mcf = new NatsManagedConnectionFactory();
        mcf.setResourceAdapter(started.adapter());
        mc = (NatsManagedConnection) mcf.createManagedConnection(null, null);
        handle = (NatsConnection) mc.getConnection(null, null);
        observer = Nats.connect(NATS.server().url());
        observer.createDispatcher(m -> seen.add(new String(m.getData(), StandardCharsets.UTF_8))).subscribe("check.>");
        observer.flush(WAIT);
    }

    @AfterEach
    void close() throws Exception {
        observer.close();
        mc.destroy();
        started.close();
    }

    private void publish(String body) {
        handle.publish("check.x", body.getBytes(StandardCharsets.UTF_8));
    }

    private void assertOnlyArrives(String body) {
        transactions.status(Status.STATUS_NO_TRANSACTION);
        publish(body);
        Await.until(WAIT, () -> body + ", seen " + seen, () -> seen.contains(body));
        assertEquals(List.of(body), seen);
    }

    @Test
    void withoutATransactionOrAfterItCommittedAPublishIsSentAtOnce() {
        publish("no-transaction");
        Await.until(WAIT, "sent at once", () -> seen.contains("no-transaction"));
        transactions.status(Status.STATUS_COMMITTED); // e.g. from an after-completion callback
        publish("after-commit");
        Await.until(WAIT, "sent at once", () -> seen.contains("after-commit"));
    }

    @Test
    void aHandleNotEnlistedInTheActiveTransactionRefusesToPublish() {
        transactions.status(Status.STATUS_ACTIVE); // the server began a transaction but did not enlist this handle
        NatsException e = assertThrows(NatsException.class, () -> publish("not-enlisted"));
        assertTrue(e.getMessage().contains("not enlisted") && e.getMessage().contains("check.x"), e.getMessage());
        assertThrows(NatsException.class, () -> handle.jetStreamPublish("check.js", null, new byte[] {1}, null));
        assertOnlyArrives("sentinel");
    }

    @Test
    void anEnlistedHandleStagesInTheActiveTransaction() throws Exception {
        transactions.status(Status.STATUS_ACTIVE);
        Xid xid = new TestXid();
        XAResource xa = mc.getXAResource();
        xa.start(xid, XAResource.TMNOFLAGS);
        publish("staged");
        xa.end(xid, XAResource.TMSUCCESS);
        xa.rollback(xid);
        assertOnlyArrives("sentinel");
    }

    @Test
    void aTransactionMarkedForRollbackOrRolledBackRefusesEveryPublish() throws Exception {
        Xid xid = new TestXid();
        XAResource xa = mc.getXAResource();
        xa.start(xid, XAResource.TMNOFLAGS);
        for (int status : new int[] {Status.STATUS_MARKED_ROLLBACK, Status.STATUS_ROLLEDBACK,
                Status.STATUS_ROLLING_BACK, Status.STATUS_PREPARING, Status.STATUS_UNKNOWN}) {
            transactions.status(status);
            NatsException e = assertThrows(NatsException.class, () -> publish("doomed-" + status));
            assertTrue(e.getMessage().contains("check.x"), e.getMessage());
        }
        transactions.status(Status.STATUS_ROLLEDBACK);
        xa.end(xid, XAResource.TMFAIL);
        xa.rollback(xid);
        assertThrows(NatsException.class, () -> publish("still-doomed"), "after the branch ended, still in the thread's "
                + "rolled-back transaction: it could only be sent at once");
        assertOnlyArrives("sentinel");
    }

    @Test
    void aConnectionEnlistedInAnotherThreadsTransactionRefusesThisThreadsAndSendsWithoutOne() throws Exception {
        Xid xid = new TestXid();
        XAResource xa = mc.getXAResource();
        Thread owner = new Thread(() -> {
            transactions.status(Status.STATUS_ACTIVE); // the owner thread's transaction
            try {
                xa.start(xid, XAResource.TMNOFLAGS);
            } catch (javax.transaction.xa.XAException e) {
                throw new IllegalStateException(e);
            }
        });
        owner.start();
        owner.join();
        transactions.status(Status.STATUS_ACTIVE); // this thread's own, other transaction
        NatsException e = assertThrows(NatsException.class, () -> publish("into-another-transaction"));
        assertTrue(e.getMessage().contains("another transaction"), e.getMessage());
        transactions.status(Status.STATUS_NO_TRANSACTION);
        publish("no-transaction-here"); // at once: nothing of this thread's to follow
        Await.until(WAIT, "sent at once", () -> seen.contains("no-transaction-here"));
        xa.end(xid, XAResource.TMSUCCESS);
        xa.rollback(xid);
        assertEquals(List.of("no-transaction-here"), seen);
    }
}
