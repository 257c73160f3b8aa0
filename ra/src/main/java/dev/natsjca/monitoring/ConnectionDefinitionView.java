package dev.natsjca.monitoring;

/** {@link ConnectionDefinitionMXBean} over a monitor: every attribute read takes a fresh snapshot. */
final class ConnectionDefinitionView implements ConnectionDefinitionMXBean {

    private final ConnectionDefinitionMonitor monitor;

    ConnectionDefinitionView(ConnectionDefinitionMonitor monitor) {
        this.monitor = monitor;
    }

    @Override public String getServers() { return monitor.snapshot().servers(); }
    @Override public int getOpenConnections() { return monitor.snapshot().openConnections(); }
    @Override public int getReconnectingConnections() { return monitor.snapshot().reconnectingConnections(); }
    @Override public String[] getConnectedServers() { return monitor.snapshot().connectedServers().toArray(String[]::new); }
    @Override public long getHandlesHandedOut() { return monitor.snapshot().handlesHandedOut(); }
    @Override public long getPublishes() { return monitor.snapshot().publishes(); }
    @Override public long getStaged() { return monitor.snapshot().staged(); }
    @Override public long getCommittedTransactions() { return monitor.snapshot().committedTransactions(); }
    @Override public long getRolledBackTransactions() { return monitor.snapshot().rolledBackTransactions(); }
    @Override public long getReconnects() { return monitor.snapshot().reconnects(); }
}
