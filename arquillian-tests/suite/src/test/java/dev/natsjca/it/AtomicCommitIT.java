package dev.natsjca.it;

import static dev.natsjca.it.AtomicApp.BATCH_COMMIT;
import static dev.natsjca.it.AtomicApp.BATCH_ID;
import static dev.natsjca.it.AtomicApp.BATCH_SEQUENCE;
import static dev.natsjca.it.AtomicApp.WAIT;
import static dev.natsjca.it.AtomicApp.header;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.logging.Logger;
import java.util.stream.Collectors;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.shrinkwrap.api.spec.EnterpriseArchive;
import org.junit.jupiter.api.Test;

import dev.natsjca.it.atomic.AtomicBean;
import dev.natsjca.testing.Await;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.api.MessageInfo;
import jakarta.transaction.Status;

/**
 * Atomic commit ({@code atomicCommit=auto}, the default) in the server's own transaction manager,
 * beside JPA on its default non-XA datasource: a transaction's JetStream messages to a stream that
 * allows atomic publish are staged on the nats-server at prepare as one batch and stored all at
 * once at commit, or never.
 *
 * <ul>
 * <li>Committed: the stream stores the three at consecutive sequences under one
 *     {@code Nats-Batch-Id}, beside the row.</li>
 * <li>Rolled back by the application: nothing stored, nothing sent, no row.</li>
 * <li>The datasource's one-phase commit fails after NATS prepared (the test's own participant,
 *     prepared after NATS, closes the physical JDBC connection under the transaction's datasource
 *     connection): a core subscriber saw the staged batch (core subscribers get staged messages at
 *     once), no commit of it was ever sent, the batch is aborted at once, and the stream stores
 *     nothing; no row. WildFly rolls the prepared NATS branch back; Payara tells the prepared
 *     participants nothing after its last resource failed, and the branch rolls back when the
 *     transaction completes. ({@link AtomicOffIT} shows the same transaction without atomic commit leaving its
 *     messages stored.)</li>
 * <li>Another participant votes rollback after NATS prepared: the rollback reaches NATS and aborts
 *     the staged batch; nothing stored, no row.</li>
 * </ul>
 */
class AtomicCommitIT extends AtomicAppTest {

    private static final Logger LOG = Logger.getLogger(AtomicCommitIT.class.getName());
    private static final String APP = "atomicapp";

    @Deployment(testable = false)
    static EnterpriseArchive atomicApp() {
        return AtomicApp.ear(APP, Map.of());
    }


    @Test
    void aCommitStoresTheRowAndTheThreeMessagesAsOneAtomicBatch() throws Exception {
        assertEquals("OK", call("commit"));
        Await.untilServer(WAIT, "the three messages stored", () -> AtomicApp.stored(jsm, run).size() >= 3);
        List<MessageInfo> stored = AtomicApp.stored(jsm, run);
        assertEquals(List.of("1", "2", "3"), AtomicApp.storedBodies(stored));
        String batch = header(stored.get(0).getHeaders(), BATCH_ID);
        assertNotNull(batch, "stored without a Nats-Batch-Id: not an atomic batch");
        for (int k = 0; k < stored.size(); k++) {
            MessageInfo m = stored.get(k);
            assertEquals("atomic." + run + "." + (k + 1), m.getSubject());
            assertEquals(stored.get(0).getSeq() + k, m.getSeq(), "not at consecutive stream sequences");
            assertEquals(batch, header(m.getHeaders(), BATCH_ID), "message " + (k + 1) + " of another batch");
        }
        assertEquals("1", call("rows"));
        // Each publish's acknowledgement, completed at commit, names its own sequence and the batch.
        String acks = stored.stream().map(m -> "stored seq " + m.getSeq() + " batch " + batch)
                .collect(Collectors.joining("; "));
        assertEquals("completed " + Status.STATUS_COMMITTED + "; " + acks, call("notes"));
    }

    @Test
    void aRollbackStoresNothingSendsNothingAndWritesNoRow() throws Exception {
        try (Receiver r = new Receiver(client, "atomic." + run + ".>")) {
            String result = call("throw");
            assertTrue(result.startsWith("ROLLED_BACK"), result);
            assertTrue(result.contains("application failure after persist and publish"), result);
            AtomicApp.assertOnlySentinel(client, jsm, r, run, List.of());
            assertEquals("0", call("rows"));
        }
    }

    @Test
    void aDatasourceCommitFailingAfterNatsPreparedStoresNothing() throws Exception {
        try (Receiver r = new Receiver(client, "atomic." + run + ".>")) {
            String result = call("failDatasourceCommit");
            assertTrue(result.startsWith("ROLLED_BACK"), "the caller must see the failed commit: " + result);
            String notes = call("notes");
            LOG.info(() -> "failDatasourceCommit: " + result + "\nnotes: " + notes);
            assertTrue(notes.contains("enlisted true") && notes.contains("prepare: closed the datasource's connection")
                    && !notes.contains("commit("), "the test's participant: " + notes);
            assertTrue(notes.contains("completed " + Status.STATUS_ROLLEDBACK), notes);
            String batch = assertNatsPrepared(r);
            // WildFly rolls the prepared participants back. Payara's JTS takes the failed commit of its
            // last (non-XA) resource for an internal error and ends the transaction rolled back without
            // a word to them: the adapter's branch follows the transaction's outcome and rolls back at
            // its completion. Either way NATS aborts the batch at once.
            assertRolledBack(r, notes, batch);
            List<String> seen = List.of("1", "2", "3", "");
            assertNoCommitSent(r);
            AtomicApp.assertOnlySentinel(client, jsm, r, run, seen);
            assertEquals("0", call("rows"), "the row was committed although the datasource's commit failed");
        }
    }

    @Test
    void aParticipantVotingRollbackAfterNatsPreparedRollsTheBatchBack() throws Exception {
        try (Receiver r = new Receiver(client, "atomic." + run + ".>")) {
            String result = call("voteRollbackAfterNats");
            assertTrue(result.startsWith("ROLLED_BACK"), "the caller must see the rollback: " + result);
            String notes = call("notes");
            assertTrue(notes.contains("enlisted true") && notes.contains("prepare: votes rollback")
                    && !notes.contains("commit("), "the test's participant: " + notes);
            assertTrue(notes.contains("completed " + Status.STATUS_ROLLEDBACK), notes);
            String batch = assertNatsPrepared(r);
            assertRolledBack(r, notes, batch);
            assertNoCommitSent(r);
            AtomicApp.assertOnlySentinel(client, jsm, r, run, List.of("1", "2", "3", ""));
            assertEquals("0", call("rows"));
        }
    }

    /**
     * NATS had prepared: the server staged the batch, and core subscribers get staged messages at once.
     *
     * @return the batch id
     */
    private static String assertNatsPrepared(Receiver r) {
        Await.until(WAIT, () -> "the transaction's messages at prepare, seen " + AtomicApp.seen(r),
                () -> sent(r).size() >= AtomicBean.MESSAGES);
        List<Message> staged = sent(r);
        assertEquals(List.of("1", "2", "3"), staged.stream().map(m -> AtomicApp.body(m.getData())).toList());
        String batch = header(staged.get(0).getHeaders(), BATCH_ID);
        assertNotNull(batch, "the messages were sent at prepare, not staged as a batch");
        for (Message m : staged) {
            assertEquals(batch, header(m.getHeaders(), BATCH_ID), "the staged messages are not one batch");
        }
        return batch;
    }

    /** The rollback reached NATS: each publish's acknowledgement failed, and the batch was aborted (a message out of its sequence). */
    private static void assertRolledBack(Receiver r, String notes, String batch) {
        // The bean notes its acknowledgements at completion, maybe before the adapter's branch completed them.
        assertEquals(AtomicBean.MESSAGES, count(notes, "not stored: ") + count(notes, "acknowledgement not completed"),
                notes);
        Await.until(WAIT, () -> "the batch aborted, seen " + AtomicApp.seen(r), () -> r.messages().stream()
                .anyMatch(m -> batch.equals(header(m.getHeaders(), BATCH_ID)) && m.getData().length == 0
                        && Integer.parseInt(header(m.getHeaders(), BATCH_SEQUENCE)) > AtomicBean.MESSAGES + 1));
    }

    private static void assertNoCommitSent(Receiver r) {
        assertFalse(r.messages().stream().anyMatch(m -> header(m.getHeaders(), BATCH_COMMIT) != null),
                "a commit of the batch was sent");
    }

    /** @return the messages of the run's transaction a core subscriber saw (not the batch's control messages, which are empty) */
    private static List<Message> sent(Receiver r) {
        return r.messages().stream().filter(m -> m.getData().length > 0).toList();
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
            n++;
        }
        return n;
    }

    private String call(String op) throws Exception {
        return AtomicApp.call(APP, op, run);
    }
}
