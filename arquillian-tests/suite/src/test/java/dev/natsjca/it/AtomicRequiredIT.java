package dev.natsjca.it;

import static dev.natsjca.it.AtomicApp.BATCH_ID;
import static dev.natsjca.it.AtomicApp.WAIT;
import static dev.natsjca.it.AtomicApp.header;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.shrinkwrap.api.spec.EnterpriseArchive;
import org.junit.jupiter.api.Test;

import dev.natsjca.testing.Await;
import io.nats.client.api.MessageInfo;
import jakarta.transaction.Status;

/**
 * {@code atomicCommit=required}: a transaction whose messages cannot be one atomic batch (a core
 * NATS publish beside a JetStream one) rolls back with the reason, sending and storing nothing and
 * writing no row; one whose messages can is committed atomically.
 */
class AtomicRequiredIT extends AtomicAppTest {

    private static final String APP = "atomicreqapp";

    @Deployment(testable = false)
    static EnterpriseArchive atomicRequiredApp() {
        return AtomicApp.ear(APP, Map.of("atomicCommit", "required"));
    }


    @Test
    void aCoreNatsPublishInTheTransactionRollsItBackAndNothingIsSent() throws Exception {
        try (Receiver core = new Receiver(client, "core." + run);
             Receiver jetStream = new Receiver(client, "atomic." + run + ".>")) {
            String result = call("jetStreamAndCore");
            assertTrue(result.startsWith("ROLLED_BACK"), "the caller must see the rollback: " + result);
            String notes = call("notes");
            assertTrue(notes.contains("completed " + Status.STATUS_ROLLEDBACK), notes);
            assertTrue(notes.contains("not stored: dev.natsjca.api.NatsException: Not committed: atomicCommit=required")
                    && notes.contains("is a core NATS publish"), "the reason, in the publish's acknowledgement: " + notes);
            assertEquals("0", call("rows"), "the row was committed");
            AtomicApp.assertOnlySentinel(client, jsm, jetStream, run, List.of());
            client.publish("core." + run, "sentinel".getBytes(StandardCharsets.UTF_8));
            Await.until(WAIT, () -> "the core sentinel, seen " + AtomicApp.seen(core),
                    () -> AtomicApp.seen(core).contains("sentinel"));
            assertEquals(List.of("sentinel"), AtomicApp.seen(core), "the core message of a rolled-back transaction was sent");
        }
    }

    @Test
    void messagesThatCanBeOneBatchAreCommittedAtomically() throws Exception {
        assertEquals("OK", call("commit"));
        Await.untilServer(WAIT, "the three messages stored", () -> AtomicApp.stored(jsm, run).size() >= 3);
        List<MessageInfo> stored = AtomicApp.stored(jsm, run);
        assertEquals(List.of("1", "2", "3"), AtomicApp.storedBodies(stored));
        String batch = header(stored.get(0).getHeaders(), BATCH_ID);
        assertNotNull(batch, "not an atomic batch");
        for (MessageInfo m : stored) {
            assertEquals(batch, header(m.getHeaders(), BATCH_ID));
        }
        assertEquals("1", call("rows"));
    }

    private String call(String op) throws Exception {
        return AtomicApp.call(APP, op, run);
    }
}
