package dev.natsjca.monitoring;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.UnaryOperator;

import dev.natsjca.api.NatsConnectionDefinitionStatus;
import io.nats.client.Connection;

/**
 * One connection definition's counts and its open physical connections, reported by the
 * outbound side as things happen. Thread-safe and non-blocking.
 */
public final class ConnectionDefinitionMonitor {

    private final String name;
    private final String servers;
    private final UnaryOperator<String> redact;
    private final Set<Connection> open = ConcurrentHashMap.newKeySet();
    private final LongAdder handles = new LongAdder();
    private final LongAdder publishes = new LongAdder();
    private final LongAdder staged = new LongAdder();
    private final LongAdder committed = new LongAdder();
    private final LongAdder rolledBack = new LongAdder();
    private final LongAdder reconnects = new LongAdder();

    ConnectionDefinitionMonitor(String name, String servers, UnaryOperator<String> redact) {
        this.name = name;
        this.servers = servers;
        this.redact = redact;
    }

    public String name() {
        return name;
    }

    /** A physical connection was opened. */
    public void opened(Connection c) {
        open.add(c);
    }

    /** A physical connection was closed. */
    public void closed(Connection c) {
        open.remove(c);
    }

    public void handleHandedOut() {
        handles.increment();
    }

    public void published() {
        publishes.increment();
    }

    public void staged() {
        staged.increment();
    }

    public void committed() {
        committed.increment();
    }

    public void rolledBack() {
        rolledBack.increment();
    }

    public void reconnected() {
        reconnects.increment();
    }

    public NatsConnectionDefinitionStatus snapshot() {
        int count = 0;
        int reconnecting = 0;
        Set<String> connectedTo = new TreeSet<>();
        for (Connection c : new ArrayList<>(open)) {
            Connection.Status s = c.getStatus();
            if (s == Connection.Status.CLOSED) {
                continue;
            }
            count++;
            if (s == Connection.Status.CONNECTED) {
                String url = c.getConnectedUrl();
                if (url != null) {
                    connectedTo.add(redact.apply(url));
                }
            } else {
                reconnecting++;
            }
        }
        return new NatsConnectionDefinitionStatus(name, servers, count, reconnecting, List.copyOf(connectedTo),
                handles.sum(), publishes.sum(), staged.sum(), committed.sum(), rolledBack.sum(), reconnects.sum());
    }
}
