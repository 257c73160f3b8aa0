package dev.natsjca.it.atomic;

import java.sql.Connection;
import java.sql.SQLException;

import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;

/**
 * A participant of the test's own, enlisted after the NATS branch, so that the transaction manager
 * prepares it after NATS (and before it commits the non-XA datasource as its last resource). Its
 * prepare either
 * <ul>
 * <li>closes the physical JDBC connection under the transaction's datasource connection and votes
 *     yes: the datasource's one-phase commit then fails, the database keeps nothing (a closed
 *     connection's work is rolled back), and the transaction must not commit NATS; or</li>
 * <li>votes rollback ({@code XA_RBROLLBACK}): another participant failing after NATS prepared.</li>
 * </ul>
 * Every call it receives is noted for the run ({@link Notes}).
 */
public final class FailingParticipant implements XAResource {

    private final String run;
    /** The JDBC driver's connection to close; {@code null}: vote rollback instead. */
    private final Connection physical;

    private FailingParticipant(String run, Connection physical) {
        this.run = run;
        this.physical = physical;
    }

    /** @param physical the JDBC driver's connection that the datasource commits on */
    public static FailingParticipant closing(String run, Connection physical) {
        return new FailingParticipant(run, physical);
    }

    public static FailingParticipant votingRollback(String run) {
        return new FailingParticipant(run, null);
    }

    @Override
    public int prepare(Xid xid) throws XAException {
        if (physical == null) {
            Notes.add(run, "prepare: votes rollback");
            throw new XAException(XAException.XA_RBROLLBACK);
        }
        try {
            physical.close();
            Notes.add(run, "prepare: closed the datasource's connection (closed " + physical.isClosed() + ")");
        } catch (SQLException e) {
            Notes.add(run, "prepare: closing the datasource's connection failed: " + e);
            XAException xa = new XAException(XAException.XAER_RMERR);
            xa.initCause(e);
            throw xa;
        }
        return XA_OK;
    }

    @Override
    public void commit(Xid xid, boolean onePhase) {
        Notes.add(run, "commit(onePhase " + onePhase + ")");
    }

    @Override
    public void rollback(Xid xid) {
        Notes.add(run, "rollback");
    }

    @Override
    public void start(Xid xid, int flags) {
    }

    @Override
    public void end(Xid xid, int flags) {
    }

    @Override
    public void forget(Xid xid) {
    }

    @Override
    public Xid[] recover(int flag) {
        return new Xid[0];
    }

    @Override
    public boolean isSameRM(XAResource other) {
        return other == this;
    }

    @Override
    public int getTransactionTimeout() {
        return 0;
    }

    @Override
    public boolean setTransactionTimeout(int seconds) {
        return false;
    }
}
