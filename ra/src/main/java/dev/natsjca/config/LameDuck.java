package dev.natsjca.config;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;

import io.nats.client.Connection;
import io.nats.client.ForceReconnectOptions;

/**
 * Moves a connection off a server that entered lame-duck mode (an operator's
 * {@code nats-server --signal ldm}, a rolling upgrade): the server stops taking new clients and,
 * after its grace period, closes the ones it has, whatever they are doing. Moving first, at a
 * moment the owner chooses, means no request is cut off mid-way: jnats reconnects to another
 * server of the cluster (the lame duck refuses it) and re-creates the subscriptions there.
 *
 * <p>The reconnect runs on the connection's own executor (jnats' threads, ended with the
 * connection), never on the caller's: it lasts as long as finding another server takes.
 */
public final class LameDuck {

    private static final System.Logger LOG = System.getLogger(LameDuck.class.getName());

    /**
     * How long a move waits for what the connection has written to reach the server before it
     * leaves it (acknowledgements, above all: they are sent without a reply).
     */
    public static final Duration FLUSH = Duration.ofSeconds(2);

    private LameDuck() {
    }

    /** Connections moving now, until their listener has seen the disconnect the move causes. */
    private static final Set<Connection> MOVING = ConcurrentHashMap.newKeySet();

    /** @return whether the server {@code connection} is connected to is in lame-duck mode */
    public static boolean isLameDuck(Connection connection) {
        io.nats.client.api.ServerInfo info = connection.getServerInfo();
        return info != null && info.isLameDuckMode();
    }

    /**
     * For a connection listener's DISCONNECTED: whether this disconnect is a move {@link #move}
     * started (then not a failure; asked once per move). A lame duck closing a connection that
     * did not move is a failure like any other.
     */
    public static boolean movedByChoice(Connection connection) {
        return MOVING.remove(connection);
    }

    /**
     * Reconnects {@code connection} to another server, in the background.
     *
     * @param connection the connection to move; nothing happens unless it is connected
     * @param owner what the connection serves, for the log
     * @param done run when the move is over (moved, failed or not started), on whichever thread
     */
    public static void move(Connection connection, String owner, Runnable done) {
        if (connection.getStatus() != Connection.Status.CONNECTED || !isLameDuck(connection)) {
            done.run();
            return; // reconnecting already, closed, or on another server by now: nothing to move
        }
        String from = ConnectionSettings.redactText(String.valueOf(connection.getConnectedUrl()));
        // Flushed first: what was written just before (acknowledgements, a core publish) reaches
        // the server before the socket closes. What is written after the flush and before jnats
        // stops its writer goes out after the reconnect, or, for an ack, the message comes back
        // after ackWait: delivery stays at-least-once.
        ForceReconnectOptions options = ForceReconnectOptions.builder().flush(FLUSH).build();
        Runnable task = () -> {
            try {
                LOG.log(Level.INFO, "{0}: the NATS server {1} is entering lame-duck mode; moving to another server "
                        + "of the cluster", owner, from);
                MOVING.add(connection);
                connection.forceReconnect(options);
            } catch (IOException e) {
                MOVING.remove(connection);
                LOG.log(Level.WARNING, owner + ": could not move off the lame-duck NATS server " + from
                        + "; it closes the connection itself and jnats reconnects then", e);
            } catch (RuntimeException e) {
                MOVING.remove(connection);
                // Closed meanwhile (an undeploy): nothing to move any more.
                LOG.log(connection.getStatus() == Connection.Status.CLOSED ? Level.DEBUG : Level.WARNING,
                        owner + ": moving off the lame-duck NATS server " + from + " failed", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                if (connection.getStatus() == Connection.Status.CLOSED) {
                    MOVING.remove(connection); // no listener will ask any more
                }
                done.run();
            }
        };
        try {
            connection.getOptions().getExecutor().execute(task);
        } catch (RejectedExecutionException e) {
            LOG.log(Level.DEBUG, "{0}: not moving off the lame-duck NATS server {1}: the connection is closing",
                    owner, from);
            done.run();
        }
    }
}
