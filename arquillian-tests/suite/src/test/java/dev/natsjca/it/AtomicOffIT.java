package dev.natsjca.it;

import static dev.natsjca.it.AtomicApp.BATCH_ID;
import static dev.natsjca.it.AtomicApp.WAIT;
import static dev.natsjca.it.AtomicApp.header;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.shrinkwrap.api.spec.EnterpriseArchive;
import org.junit.jupiter.api.Test;

import dev.natsjca.testing.Await;
import io.nats.client.api.MessageInfo;

/**
 * The contrast to {@link AtomicCommitIT}'s failing datasource commit: with {@code atomicCommit=off}
 * the messages are sent (and stored) at prepare, so when the datasource's one-phase commit then
 * fails, the transaction rolls back, the row is gone, and the three messages stay stored: the
 * window atomic commit closes.
 */
class AtomicOffIT extends AtomicAppTest {

    private static final String APP = "atomicoffapp";

    @Deployment(testable = false)
    static EnterpriseArchive atomicOffApp() {
        return AtomicApp.ear(APP, Map.of("atomicCommit", "off"));
    }


    @Test
    void withoutAtomicCommitADatasourceCommitFailingAfterPrepareLeavesTheMessagesStored() throws Exception {
        ServerLog log = ServerLog.markNow();
        String result = AtomicApp.call(APP, "failDatasourceCommit", run);
        assertTrue(result.startsWith("ROLLED_BACK"), "the caller must see the failed commit: " + result);
        String notes = AtomicApp.call(APP, "notes", run);
        assertTrue(notes.contains("enlisted true") && notes.contains("prepare: closed the datasource's connection")
                && !notes.contains("commit("), "the test's participant: " + notes);
        assertEquals("0", AtomicApp.call(APP, "rows", run));
        Await.untilServer(WAIT, "the three messages stored", () -> AtomicApp.stored(jsm, run).size() >= 3);
        List<MessageInfo> stored = AtomicApp.stored(jsm, run);
        assertEquals(List.of("1", "2", "3"), AtomicApp.storedBodies(stored), "sent at prepare, stored for good");
        for (MessageInfo m : stored) {
            assertNull(header(m.getHeaders(), BATCH_ID), "atomicCommit=off sent a batch");
        }
        // Also on Payara, whose transaction manager never rolls the prepared branch back: the branch
        // follows the transaction's outcome when it completes.
        Await.until(WAIT, "the adapter's warning that the rolled-back messages stay sent",
                () -> log.sinceMark().contains("rolled back after its 3 NATS message(s) were sent at prepare"));
    }
}
