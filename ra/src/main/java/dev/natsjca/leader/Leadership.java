package dev.natsjca.leader;

import java.time.Duration;

/**
 * What one {@link LeaderElection#tick tick} decided for this node: leader with a fencing token, or
 * not leader. Immutable, except that it knows the local clock: {@link #isLeader()} turns false
 * once the election's lease has run out since the write that granted it was sent, so a result kept
 * around (in a field, across a long job) cannot claim leadership the key-value store may already
 * have handed to someone else.
 */
public final class Leadership {

    private final String candidate;
    private final boolean granted;
    private final long token;
    private final long deadlineNanos;

    private Leadership(String candidate, boolean granted, long token, long deadlineNanos) {
        this.candidate = candidate;
        this.granted = granted;
        this.token = token;
        this.deadlineNanos = deadlineNanos;
    }

    static Leadership leading(String candidate, long token, long deadlineNanos) {
        return new Leadership(candidate, true, token, deadlineNanos);
    }

    static Leadership notLeading(String candidate) {
        return new Leadership(candidate, false, 0, 0);
    }

    /**
     * @return whether the tick made (or kept) this node the leader and the lease, counted from when
     *         that write was sent, has not run out yet
     */
    public boolean isLeader() {
        return granted && System.nanoTime() - deadlineNanos < 0;
    }

    /**
     * The fencing token: the key-value revision this node's acquiring or renewing write got.
     * Revisions are stream sequence numbers, so a later leader (and every later renewal) holds a
     * strictly greater token; a resource the job writes to can refuse anything carrying a token
     * lower than the highest it has seen.
     *
     * @return the token this tick granted
     * @throws IllegalStateException when the tick did not make this node the leader
     */
    public long token() {
        if (!granted) {
            throw new IllegalStateException("Node '" + candidate + "' is not the leader: no fencing token");
        }
        return token;
    }

    /** @return this node's candidate name */
    public String candidate() {
        return candidate;
    }

    /**
     * @return how long this leadership still holds by the local clock (at most the lease after the
     *         granting write was sent); {@link Duration#ZERO} when not leader
     */
    public Duration remaining() {
        if (!granted) {
            return Duration.ZERO;
        }
        long left = deadlineNanos - System.nanoTime();
        return left > 0 ? Duration.ofNanos(left) : Duration.ZERO;
    }

    @Override
    public String toString() {
        if (!granted) {
            return "Leadership[" + candidate + ": not leader]";
        }
        return "Leadership[" + candidate + ": " + (isLeader() ? "leader" : "expired") + ", token " + token
                + ", remaining " + remaining().toMillis() + " ms]";
    }
}
