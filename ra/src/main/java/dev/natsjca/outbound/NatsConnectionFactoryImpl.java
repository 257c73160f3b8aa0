package dev.natsjca.outbound;

import javax.naming.Reference;

import dev.natsjca.api.NatsConnection;
import dev.natsjca.api.NatsConnectionFactory;
import dev.natsjca.api.NatsException;
import jakarta.resource.ResourceException;
import jakarta.resource.spi.ConnectionManager;

/** The factory bound in JNDI; asks the server's connection manager for pooled connections. */
public final class NatsConnectionFactoryImpl implements NatsConnectionFactory {

    private static final long serialVersionUID = 1L;

    private final NatsManagedConnectionFactory managedFactory;
    private final ConnectionManager connectionManager;
    private Reference reference;

    NatsConnectionFactoryImpl(NatsManagedConnectionFactory managedFactory, ConnectionManager connectionManager) {
        this.managedFactory = managedFactory;
        this.connectionManager = connectionManager;
    }

    @Override
    public NatsConnection getConnection() {
        try {
            return (NatsConnection) connectionManager.allocateConnection(managedFactory, null);
        } catch (ResourceException e) {
            throw new NatsException("No NATS connection could be obtained from the pool: " + e.getMessage(), e);
        }
    }

    @Override
    public dev.natsjca.api.NatsStatus status() {
        return managedFactory.status();
    }

    @Override
    public void setReference(Reference reference) {
        this.reference = reference;
    }

    @Override
    public Reference getReference() {
        return reference;
    }
}
