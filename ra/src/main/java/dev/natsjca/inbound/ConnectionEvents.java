package dev.natsjca.inbound;

import java.lang.System.Logger.Level;

import dev.natsjca.config.ClientErrorLogger;
import dev.natsjca.config.ConnectionSettings;
import dev.natsjca.config.LameDuck;
import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.JetStreamSubscription;
import io.nats.client.support.Status;

/**
 * What jnats reports about an activation's connection, on jnats' threads: state changes logged
 * once each, a reconnect passed on, a lame-duck server left at once; asynchronous errors logged, and the ones that mean the
 * consumer needs care (slow consumer, heartbeat alarm, pull status) passed to the activation.
 */
final class ConnectionEvents {

    private ConnectionEvents() {
    }

    /** Logs connection state changes of this activation once per change and tells the subclass. */
    static final class States implements ConnectionListener {
        private final EndpointActivation activation;

        States(EndpointActivation activation) {
            this.activation = activation;
        }

        @Override
        @Deprecated // jnats still declares this one abstract; the four-argument form is called
        public void connectionEvent(Connection conn, Events type) {
            connectionEvent(conn, type, null, null);
        }

        @Override
        public void connectionEvent(Connection conn, Events type, Long time, String uriDetails) {
            boolean running = activation.isRunning();
            Level level = switch (type) {
                case DISCONNECTED -> !running ? Level.DEBUG : LameDuck.movedByChoice(conn) ? Level.INFO : Level.WARNING;
                case CONNECTED, RECONNECTED, RESUBSCRIBED, LAME_DUCK -> Level.INFO;
                default -> Level.DEBUG;
            };
            EndpointActivation.LOG.log(level, "NATS endpoint on {0}: connection {1} {2}", activation.describe(), type.getEvent(),
                    uriDetails == null ? "" : ConnectionSettings.redactText(uriDetails));
            if (type == Events.DISCONNECTED) {
                activation.monitor().disconnected();
            } else if (type == Events.CONNECTED || type == Events.RECONNECTED) {
                activation.monitor().connected(ConnectionSettings.redactText(conn.getConnectedUrl()));
            }
            if (type == Events.RECONNECTED && running) {
                activation.attemptSoon();
                activation.reconnected();
            }
            if (type == Events.LAME_DUCK && running) {
                // The pull in flight is replaced after the reconnect, as after any other.
                LameDuck.move(conn, "NATS endpoint on " + activation.describe(), () -> { });
            }
        }
    }

    /** jnats' asynchronous errors: logged, and the ones that mean the consumer needs care passed on. */
    static final class Errors extends ClientErrorLogger {
        private final EndpointActivation activation;

        Errors(EndpointActivation activation) {
            super("NATS endpoint on " + activation.describe());
            this.activation = activation;
        }

        @Override
        public void slowConsumerDetected(Connection conn, io.nats.client.Consumer consumer) {
            activation.slowConsumer();
        }

        @Override
        public void heartbeatAlarm(Connection conn, JetStreamSubscription sub, long lastStreamSequence,
                                   long lastConsumerSequence) {
            if (activation.isRunning()) {
                activation.heartbeatAlarm(sub, lastStreamSequence);
            }
        }

        @Override
        public void pullStatusWarning(Connection conn, JetStreamSubscription sub, Status status) {
            if (activation.isRunning()) {
                activation.pullStatus(sub, status, false);
            }
        }

        @Override
        public void pullStatusError(Connection conn, JetStreamSubscription sub, Status status) {
            if (activation.isRunning()) {
                EndpointActivation.LOG.log(Level.WARNING, "NATS endpoint on {0}: pull answered with {1} {2}", activation.describe(),
                        status.getCode(), status.getMessage());
                activation.pullStatus(sub, status, true);
            }
        }
    }
}
