package dev.natsjca.monitoring;

/**
 * One connection definition (a pool of outbound connections), as JMX shows it:
 * {@code dev.natsjca:type=ConnectionDefinition,name=<connectionName or servers>}.
 */
public interface ConnectionDefinitionMXBean {
    String getServers();
    int getOpenConnections();
    int getReconnectingConnections();
    String[] getConnectedServers();
    long getHandlesHandedOut();
    long getPublishes();
    long getStaged();
    long getCommittedTransactions();
    long getRolledBackTransactions();
    long getReconnects();
}
