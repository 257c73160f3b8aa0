package dev.natsjca.api;

import java.util.List;

/**
 * A snapshot of one connection definition (one managed connection factory, i.e. one pool of
 * outbound connections): its connections now, and what went through them since it was created.
 *
 * @param name the name operators see (the JMX {@code name} key): the {@code connectionName}
 *        property when set, else the configured servers
 * @param servers the configured servers (credentials removed)
 * @param openConnections physical connections open now (pooled or in use)
 * @param reconnectingConnections of those, the ones disconnected and reconnecting now
 * @param connectedServers the servers the open connections are connected to now (credentials removed)
 * @param handlesHandedOut connection handles handed out to applications
 * @param publishes messages sent at once (core and JetStream), outside a transaction
 * @param staged messages staged in a transaction, to leave at its commit
 * @param committedTransactions transactions whose staged messages were sent at commit
 * @param rolledBackTransactions transactions with staged messages that rolled back (nothing sent),
 *        including those whose sending failed
 * @param reconnects times a connection of this definition reconnected
 */
public record NatsConnectionDefinitionStatus(String name, String servers, int openConnections,
                                             int reconnectingConnections, List<String> connectedServers,
                                             long handlesHandedOut, long publishes, long staged,
                                             long committedTransactions, long rolledBackTransactions,
                                             long reconnects) {

    public NatsConnectionDefinitionStatus {
        connectedServers = List.copyOf(connectedServers);
    }
}
