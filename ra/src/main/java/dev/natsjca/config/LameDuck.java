package dev.natsjca.config;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
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

    /**
     * @return whether {@code connection} was (or is) connected to a server in lame-duck mode: its
     *         disconnect is a move, or the server closing it on purpose, not a failure
     */
    public static boolean left(Connection connection) {
        io.nats.client.api.ServerInfo info = connection.getServerInfo();
        return info != null && info.isLameDuckMode();
    }

    /**
     * Reconnects {@code connection} to another server, in the background.
     *
     * @param connection the connection to move; nothing happens unless it is connected
     * @param owner what the connection serves, for the log
     * @param flush whether to flush first (when messages may have been written just before)
     * @param done run when the move is over (moved, failed or not started), on whichever thread
     */
    public static void move(Connection connection, String owner, boolean flush, Runnable done) {
        if (connection.getStatus() != Connection.Status.CONNECTED) {
            done.run();
            return; // reconnecting already, or closed: nothing to move
        }
        String from = ConnectionSettings.redactText(String.valueOf(connection.getConnectedUrl()));
        ForceReconnectOptions options = flush ? ForceReconnectOptions.builder().flush(FLUSH).build()
                : ForceReconnectOptions.DEFAULT_INSTANCE;
        Runnable task = () -> {
            try {
                LOG.log(Level.INFO, "{0}: the NATS server {1} is entering lame-duck mode; moving to another server "
                        + "of the cluster", owner, from);
                connection.forceReconnect(options);
            } catch (IOException e) {
                LOG.log(Level.WARNING, owner + ": could not move off the lame-duck NATS server " + from
                        + "; it closes the connection itself and jnats reconnects then", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
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
