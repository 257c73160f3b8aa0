package dev.natsjca.outbound;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.Objects;
import java.util.Set;

import javax.security.auth.Subject;

import dev.natsjca.adapter.NatsResourceAdapter;
import dev.natsjca.api.NatsConnection;
import dev.natsjca.api.NatsConnectionFactory;
import dev.natsjca.config.ConnectionProperties;
import dev.natsjca.config.ConnectionSettings;
import dev.natsjca.monitoring.ConnectionDefinitionMonitor;
import dev.natsjca.monitoring.Monitoring;
import dev.natsjca.api.NatsStatus;
import jakarta.resource.ResourceException;
import jakarta.resource.spi.ConnectionDefinition;
import jakarta.resource.spi.ConnectionManager;
import jakarta.resource.spi.ConnectionRequestInfo;
import jakarta.resource.spi.ManagedConnection;
import jakarta.resource.spi.ManagedConnectionFactory;
import jakarta.resource.spi.ResourceAdapter;
import jakarta.resource.spi.ResourceAdapterAssociation;
import jakarta.resource.spi.ResourceAdapterInternalException;

/**
 * Creates the pooled physical connections behind {@link NatsConnectionFactory}. Its properties
 * override the adapter's connection defaults; unset ones are inherited. The settings are
 * resolved and validated when the server associates the factory with the adapter, so a bad value
 * fails the deployment, naming the property and the value.
 *
 * <p>Equality is over the configured properties: two factories with the same settings create
 * interchangeable connections (the server's pool relies on this).
 */
@ConnectionDefinition(
        connectionFactory = NatsConnectionFactory.class,
        connectionFactoryImpl = NatsConnectionFactoryImpl.class,
        connection = NatsConnection.class,
        connectionImpl = NatsConnectionHandle.class)
public class NatsManagedConnectionFactory extends ConnectionProperties
        implements ManagedConnectionFactory, ResourceAdapterAssociation {

    private static final long serialVersionUID = 1L;

    private static final System.Logger LOG = System.getLogger(NatsManagedConnectionFactory.class.getName());

    private transient NatsResourceAdapter resourceAdapter;
    /** Users the server signed connections on as, each logged once (created lazily: transient). */
    private transient volatile Set<String> signedOnUsers;
    private transient volatile ConnectionSettings settings;
    private transient PrintWriter logWriter;
    /** Outside an adapter (no {@link #setResourceAdapter}): this factory's own registry. */
    private transient volatile Monitoring ownMonitoring;
    private transient volatile ConnectionDefinitionMonitor monitor;

    @jakarta.resource.spi.ConfigProperty(description = "Whether a transaction's JetStream messages are stored "
            + "atomically at commit (nats-server 2.12+, streams that allow atomic publish): auto (where possible, "
            + "else sent at prepare), required (else the transaction rolls back), off (always sent at prepare); "
            + "default auto")
    private String atomicCommit;
    private transient volatile AtomicCommit atomicCommitMode;

    @Override
    public Object createConnectionFactory(ConnectionManager connectionManager) {
        return new NatsConnectionFactoryImpl(this, connectionManager);
    }

    /** Outside an application server: each handle gets its own connection, closed with the handle. */
    @Override
    public Object createConnectionFactory() {
        return new NatsConnectionFactoryImpl(this, new UnpooledConnectionManager());
    }

    /**
     * Opens one physical connection. When the server passes a {@link Subject} with a password
     * credential for this factory (container-managed sign-on), the connection authenticates as
     * that user instead of a configured {@code user}/{@code password}.
     */
    @Override
    public ManagedConnection createManagedConnection(Subject subject, ConnectionRequestInfo info)
            throws ResourceException {
        SignOn signOn = SignOn.from(subject, this);
        ConnectionSettings s = signOn == null ? settings() : settings().signedOnAs(signOn.user(), signOn.password());
        if (signOn != null && firstSignOn(signOn.user())) {
            LOG.log(System.Logger.Level.INFO, "NATS connections to {0} are signed on as user ''{1}'' by the "
                    + "application server (container-managed sign-on)", s.redactedServers(), signOn.user());
        }
        try {
            return new NatsManagedConnection(this, s, signOn,
                    resourceAdapter == null ? null : resourceAdapter.transactions(), monitor(), monitoring().tracing());
        } catch (IOException e) {
            throw new ResourceException("Cannot connect to NATS at " + settings().redactedServers() + ": "
                    + ConnectionSettings.redactText(e.getMessage()), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ResourceException("Interrupted while connecting to NATS", e);
        }
    }

    private boolean firstSignOn(String user) {
        Set<String> users = signedOnUsers;
        if (users == null) {
            synchronized (this) {
                if (signedOnUsers == null) {
                    signedOnUsers = java.util.concurrent.ConcurrentHashMap.newKeySet();
                }
                users = signedOnUsers;
            }
        }
        return users.add(user);
    }

    /** @return a usable candidate of this factory signed on as the same user as {@code subject} says, or {@code null} */
    @Override
    @SuppressWarnings("rawtypes")
    public ManagedConnection matchManagedConnections(Set candidates, Subject subject, ConnectionRequestInfo info) {
        SignOn wanted = SignOn.from(subject, this);
        for (Object candidate : candidates) {
            if (candidate instanceof NatsManagedConnection) {
                NatsManagedConnection mc = (NatsManagedConnection) candidate;
                if (mc.factory().equals(this) && mc.isUsable() && Objects.equals(mc.signOn(), wanted)) {
                    return mc;
                }
            }
        }
        return null;
    }

    /**
     * @return the resolved and validated settings of the connections this factory creates
     * @throws ResourceException naming an invalid property and its value
     */
    public ConnectionSettings settings() throws ResourceException {
        ConnectionSettings s = settings;
        if (s == null) {
            ConnectionSettings.Builder b = resourceAdapter != null
                    ? resourceAdapter.connectionDefaults() : ConnectionSettings.builder();
            s = applyTo(b).build();
            settings = s;
        }
        return s;
    }

    /** @return the registry this factory's definition reports to: its adapter's, or its own outside one */
    Monitoring monitoring() {
        NatsResourceAdapter ra = resourceAdapter;
        if (ra != null) {
            return ra.monitoring();
        }
        Monitoring own = ownMonitoring;
        if (own == null) {
            synchronized (this) {
                if (ownMonitoring == null) {
                    ownMonitoring = new Monitoring();
                }
                own = ownMonitoring;
            }
        }
        return own;
    }

    /**
     * @return the monitor of this connection definition; factories that are equal (the server may
     *         make several of one definition) share one
     */
    ConnectionDefinitionMonitor monitor() throws ResourceException {
        ConnectionDefinitionMonitor m = monitor;
        if (m == null) {
            ConnectionSettings s = settings();
            String name = s.connectionName() != null && !s.connectionName().isBlank() ? s.connectionName().trim()
                    : s.redactedServers();
            m = monitoring().connectionDefinition(this, name, s.redactedServers(), ConnectionSettings::redactText);
            monitor = m;
        }
        return m;
    }

    /** @return the status of this factory's adapter (outside one: of this factory alone) */
    NatsStatus status() {
        try {
            monitor(); // a definition that never opened a connection is shown too
        } catch (ResourceException e) {
            // invalid settings were refused at deployment; the snapshot shows the rest
        }
        return monitoring().snapshot();
    }

    public String getAtomicCommit() {
        return atomicCommit;
    }

    public void setAtomicCommit(String atomicCommit) {
        this.atomicCommit = atomicCommit;
        this.atomicCommitMode = null;
    }

    /**
     * @return the resolved {@code atomicCommit} setting
     * @throws InvalidPropertyException naming the property and its value
     */
    AtomicCommit atomicCommitMode() {
        AtomicCommit m = atomicCommitMode;
        if (m == null) {
            try {
                m = AtomicCommit.parse(dev.natsjca.config.PropertyResolver.resolve(AtomicCommit.PROPERTY, atomicCommit));
            } catch (jakarta.resource.spi.InvalidPropertyException e) {
                throw new IllegalStateException(e.getMessage(), e); // refused at deployment already
            }
            atomicCommitMode = m;
        }
        return m;
    }

    @Override
    public ResourceAdapter getResourceAdapter() {
        return resourceAdapter;
    }

    /** Associates the adapter and validates the settings now, so bad values fail the deployment. */
    @Override
    public void setResourceAdapter(ResourceAdapter ra) throws ResourceException {
        if (!(ra instanceof NatsResourceAdapter)) {
            throw new ResourceAdapterInternalException("Not the NATS resource adapter: " + ra);
        }
        this.resourceAdapter = (NatsResourceAdapter) ra;
        this.settings = null;
        this.monitor = null;
        settings();
        this.atomicCommitMode = AtomicCommit.parse(dev.natsjca.config.PropertyResolver.resolve(AtomicCommit.PROPERTY,
                atomicCommit));
    }

    @Override
    public PrintWriter getLogWriter() {
        return logWriter;
    }

    @Override
    public void setLogWriter(PrintWriter out) {
        this.logWriter = out;
    }

    @Override
    protected void propertiesChanged() {
        settings = null;
        monitor = null;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (o == null || o.getClass() != getClass()) {
            return false;
        }
        NatsManagedConnectionFactory other = (NatsManagedConnectionFactory) o;
        return sameConnectionProperties(other) && Objects.equals(atomicCommit, other.atomicCommit)
                && Objects.equals(resourceAdapter, other.resourceAdapter);
    }

    @Override
    public int hashCode() {
        return 31 * connectionPropertiesHash() + Objects.hashCode(atomicCommit);
    }

    @Override
    public String toString() {
        return "NatsManagedConnectionFactory[" + describeConnectionProperties() + ", atomicCommit=" + atomicCommit + "]";
    }
}
