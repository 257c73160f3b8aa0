package dev.natsjca.outbound;

import java.util.LinkedHashMap;
import java.util.Map;

import javax.transaction.xa.XAException;
import javax.transaction.xa.Xid;

/**
 * The branches a {@link StagingXAResource} ended on its own, and how: a transaction manager that
 * asks again (Payara retries a one-phase commit it takes for a transient failure; a commit after
 * a heuristic outcome) gets that outcome, not "unknown". At most {@link #MAX} are kept, the
 * oldest go first. Not thread-safe: guarded by the resource.
 */
final class Tombstones {

    /** Branches remembered at most. */
    static final int MAX = 64;

    /**
     * @param code what commit answers: {@code XA_RBROLLBACK} for a branch rolled back here, else
     *        the heuristic outcome
     */
    record Tombstone(int code, String why) {
        /** @return whether a rollback is what happened, so rollback may simply forget it */
        boolean rolledBack() {
            return code != XAException.XA_HEURHAZ && code != XAException.XA_HEURMIX && code != XAException.XA_HEURCOM;
        }
    }

    private final Map<Xid, Tombstone> ended = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Xid, Tombstone> eldest) {
            return size() > MAX;
        }
    };

    /** A branch rolled back here. */
    void rolledBack(Xid xid, String why) {
        ended.put(xid, new Tombstone(XAException.XA_RBROLLBACK, why));
    }

    /** A branch completed heuristically, whose transaction is over. */
    void heuristic(Xid xid, int code, String why) {
        ended.put(xid, new Tombstone(code, why));
    }

    Tombstone get(Xid xid) {
        return ended.get(xid);
    }

    Tombstone remove(Xid xid) {
        return ended.remove(xid);
    }
}
