package dev.natsjca.outbound;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

import dev.natsjca.config.LameDuck;
import dev.natsjca.monitoring.ConnectionDefinitionMonitor;
import io.nats.client.Connection;
import io.nats.client.ConnectionListener;

/**
 * What a pooled connection's jnats connection goes through, as its listener sees it on jnats'
 * threads: a reconnect (commits waiting for one are woken), closed for good (the pool is told),
 * its server entering lame-duck mode (the connection moves to another server of the cluster as
 * soon as nothing is under way on it, and no handle is handed out while jnats leaves the old one).
 *
 * <p>{@link #lock()} guards the managed connection's handles too: a handle is handed out and a
 * move decided one at a time.
 */
final class ConnectionWatch implements ConnectionListener {

    private static final System.Logger LOG = System.getLogger(NatsManagedConnection.class.getName());

    /** The status change that starts a move is not notified: checked this often while waiting for it. */
    private static final long MOVE_POLL_MILLIS = 5;
    /** The least a flush after a reconnect may wait. */
    private static final Duration MIN_FLUSH = Duration.ofMillis(200);

    private final String servers;
    private final ConnectionDefinitionMonitor monitor;
    private final BooleanSupplier idle;
    private final Runnable closedForGood;
    /** Notified when the jnats connection reconnects or closes, for a commit waiting for it. */
    private final Object reconnected = new Object();
    private final Object lock = new Object();
    private volatile Connection connection;
    /** Its server is entering lame-duck mode: move to another once nothing is under way. Guarded by lock. */
    private boolean leavingLameDuck;
    /** Moving off a lame duck now: handles wait. Guarded by lock. */
    private boolean moving;

    /**
     * @param servers the configured servers, redacted, for the log
     * @param idle whether nothing is under way on the managed connection (no handle out, no
     *        transaction branch); asked holding {@link #lock()}
     * @param closedForGood tells the pool (when the connection is not being destroyed anyway)
     */
    ConnectionWatch(String servers, ConnectionDefinitionMonitor monitor, BooleanSupplier idle, Runnable closedForGood) {
        this.servers = servers;
        this.monitor = monitor;
        this.idle = idle;
        this.closedForGood = closedForGood;
    }

    /** @param c the connection this listens to, once connected */
    void watching(Connection c) {
        this.connection = c;
    }

    /** @return the lock a handle is handed out under */
    Object lock() {
        return lock;
    }

    /**
     * @return whether the connection is connected, waiting up to {@code timeout} for a reconnect
     *         (false at once when it is closed for good)
     */
    boolean awaitConnected(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (reconnected) {
            while (connection.getStatus() != Connection.Status.CONNECTED) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || connection.getStatus() == Connection.Status.CLOSED) {
                    return false;
                }
                try {
                    reconnected.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * Like {@link #awaitConnected}, and after a reconnect also waits (within {@code timeout}) for a
     * flush's round trip: jnats reports the reconnect before its writer has left reconnect mode,
     * and what is sent before that waits in its buffer, to leave after the next reconnect should
     * this one drop at once — possibly after the transaction gave up.
     *
     * @return whether the connection is connected
     */
    boolean awaitReady(Duration timeout) {
        if (connection.getStatus() == Connection.Status.CONNECTED) {
            return true;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        if (!awaitConnected(timeout)) {
            return false;
        }
        try {
            connection.flush(Duration.ofNanos(Math.max(MIN_FLUSH.toNanos(), deadline - System.nanoTime())));
        } catch (TimeoutException | RuntimeException e) {
            LOG.log(Level.DEBUG, "NATS outbound connection: no flush round trip after the reconnect ({0}); the "
                    + "sender checks the status before each message", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return connection.getStatus() == Connection.Status.CONNECTED;
    }

    /**
     * Moving off a lame duck: what a handle sends must not be written to the old server just
     * before the move cuts it off (a publish's acknowledgement would be lost). So a handle waits
     * until jnats has left it (disconnected: what it sends then waits in jnats' buffer for the
     * new server, as in any reconnect), at most {@code bound}. Caller holds {@link #lock()}.
     */
    void awaitMoveUnderWay(Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (moving && connection.getStatus() == Connection.Status.CONNECTED) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return;
            }
            try {
                lock.wait(Math.max(1, Math.min(MOVE_POLL_MILLIS, left / 1_000_000)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * The server is entering (or entered) lame-duck mode: moves to another server of the cluster
     * now if nothing is under way, else when the pool gets the connection back (the managed
     * connection calls this from {@code cleanup()}), so that no publish or commit awaiting its
     * acknowledgement is cut off.
     */
    void moveOffLameDuckWhenIdle() {
        synchronized (lock) {
            if (!leavingLameDuck || !idle.getAsBoolean()) {
                return;
            }
            leavingLameDuck = false;
            moving = true;
            LameDuck.move(connection, "NATS outbound connection", () -> {
                synchronized (lock) {
                    moving = false;
                    lock.notifyAll();
                }
            });
        }
    }

    @Override
    @Deprecated // jnats still declares this one abstract; the four-argument form is called
    public void connectionEvent(Connection conn, Events type) {
        connectionEvent(conn, type, null, null);
    }

    @Override
    public void connectionEvent(Connection conn, Events type, Long time, String uriDetails) {
        if (connection == null) {
            connection = conn; // an event while Nats.connect has not returned yet
        }
        if (type == Events.DISCONNECTED) {
            LOG.log(LameDuck.movedByChoice(conn) ? Level.INFO : Level.WARNING, "NATS outbound connection to {0} lost; "
                    + "jnats is reconnecting", servers);
        } else if (type == Events.RECONNECTED) {
            synchronized (lock) {
                leavingLameDuck = false; // on another server now, moved or not
            }
            monitor.reconnected();
            synchronized (reconnected) {
                reconnected.notifyAll();
            }
            LOG.log(Level.INFO, "NATS outbound connection to {0} reconnected", servers);
        } else if (type == Events.CLOSED) {
            synchronized (reconnected) {
                reconnected.notifyAll();
            }
            closedForGood.run();
        } else if (type == Events.LAME_DUCK) {
            synchronized (lock) {
                leavingLameDuck = true;
            }
            moveOffLameDuckWhenIdle();
        }
    }
}
