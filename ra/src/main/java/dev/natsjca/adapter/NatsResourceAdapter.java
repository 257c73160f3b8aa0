package dev.natsjca.adapter;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Timer;
import java.util.concurrent.ConcurrentHashMap;

import javax.transaction.xa.XAResource;

import dev.natsjca.config.ConnectionProperties;
import dev.natsjca.config.ConnectionSettings;
import dev.natsjca.config.Durations;
import dev.natsjca.inbound.Deactivation;
import dev.natsjca.inbound.EndpointActivation;
import dev.natsjca.inbound.ListenerKind;
import dev.natsjca.inbound.NatsActivationSpec;
import dev.natsjca.inbound.ResolvedActivation;
import dev.natsjca.inbound.core.CoreSubscriptionActivation;
import dev.natsjca.inbound.jetstream.JetStreamActivation;
import dev.natsjca.inbound.service.ServiceEndpointActivation;
import dev.natsjca.inbound.service.ServiceInstance;
import dev.natsjca.inbound.service.ServiceRegistry;
import dev.natsjca.inbound.service.ServiceSettings;
import dev.natsjca.monitoring.ActivationMonitor;
import dev.natsjca.monitoring.Monitoring;
import dev.natsjca.streams.StreamDeclaration;
import jakarta.resource.spi.ConfigProperty;
import jakarta.transaction.TransactionSynchronizationRegistry;
import jakarta.resource.NotSupportedException;
import jakarta.resource.ResourceException;
import jakarta.resource.spi.ActivationSpec;
import jakarta.resource.spi.BootstrapContext;
import jakarta.resource.spi.Connector;
import jakarta.resource.spi.InvalidPropertyException;
import jakarta.resource.spi.ResourceAdapter;
import jakarta.resource.spi.ResourceAdapterInternalException;
import jakarta.resource.spi.TransactionSupport.TransactionSupportLevel;
import jakarta.resource.spi.endpoint.MessageEndpointFactory;
import jakarta.resource.spi.work.WorkManager;

/**
 * The NATS resource adapter. Thin by design: it keeps the server's {@link WorkManager}, the
 * registry of endpoint activations, and the connection defaults (server URLs, credentials) that
 * connection definitions and activations inherit unless they set their own.
 *
 * <p>Threads: each activation owns one NATS connection whose client threads only hand messages
 * over; every delivery to an endpoint runs on a {@code WorkManager} thread. {@link #stop()}
 * deactivates every endpoint at once, waiting at most {@code deactivationTimeout} in all for
 * in-flight deliveries and drains.
 */
@Connector(
        displayName = "NATS Resource Adapter",
        description = "Jakarta Connectors resource adapter for NATS core and JetStream",
        vendorName = "nats-jca",
        eisType = "NATS",
        version = "0.1",
        transactionSupport = TransactionSupportLevel.XATransaction)
public class NatsResourceAdapter extends ConnectionProperties implements ResourceAdapter {

    private static final long serialVersionUID = 1L;
    private static final System.Logger LOG = System.getLogger(NatsResourceAdapter.class.getName());

    /** How long deactivation waits for in-flight deliveries before it closes the connection, by default. */
    static final Duration DEFAULT_DEACTIVATION_TIMEOUT = Duration.ofSeconds(30);

    @ConfigProperty(description = "How long undeploying or stopping waits in all for deliveries in flight and for "
            + "the activations' connections to drain: milliseconds or ISO-8601; default 30 s")
    private String deactivationTimeout;

    @ConfigProperty(description = "How long an activation may be connecting, reconnecting or setting its consumer up "
            + "and still count as ready (MicroProfile Health readiness): milliseconds or ISO-8601; default 10 s")
    private String readinessGracePeriod;

    private transient volatile WorkManager workManager;
    private transient volatile Timer timer;
    private transient volatile TransactionSynchronizationRegistry transactions;
    private final transient Map<ActivationKey, EndpointActivation> activations = new ConcurrentHashMap<>();
    private final transient Monitoring monitoring = new Monitoring();
    private final transient ServiceRegistry services = new ServiceRegistry();

    @Override
    public void start(BootstrapContext ctx) throws ResourceAdapterInternalException {
        this.workManager = Objects.requireNonNull(ctx, "BootstrapContext").getWorkManager();
        this.transactions = ctx.getTransactionSynchronizationRegistry();
        try {
            this.timer = ctx.createTimer();
        } catch (jakarta.resource.spi.UnavailableException e) {
            throw new ResourceAdapterInternalException("The server gave the NATS resource adapter no timer", e);
        }
        try {
            deactivationTimeout();
            monitoring.readinessGrace(readinessGracePeriod());
            LOG.log(Level.INFO, "NATS resource adapter started; default servers {0}{1}",
                    connectionDefaults().build().redactedServers(), transactions == null
                            ? "; the server offers no TransactionSynchronizationRegistry, so publishes are not checked "
                            + "against the thread's transaction" : "");
        } catch (ResourceException e) {
            throw new ResourceAdapterInternalException("Invalid NATS resource adapter configuration: "
                    + e.getMessage(), e);
        }
    }

    @Override
    public void stop() {
        List<EndpointActivation> stopping = new ArrayList<>();
        for (ActivationKey key : new ArrayList<>(activations.keySet())) {
            EndpointActivation activation = activations.remove(key);
            if (activation != null) {
                stopping.add(activation);
            }
        }
        Deactivation.stopAll(stopping, deactivationTimeoutOrDefault());
        stopping.forEach(a -> a.monitor().close());
        monitoring.close();
        workManager = null;
        transactions = null;
        Timer t = timer;
        timer = null;
        if (t != null) {
            t.cancel();
        }
        LOG.log(Level.INFO, "NATS resource adapter stopped");
    }

    @Override
    public void endpointActivation(MessageEndpointFactory endpointFactory, ActivationSpec spec)
            throws ResourceException {
        if (!(spec instanceof NatsActivationSpec)) {
            throw new NotSupportedException("Not a NATS activation spec: "
                    + (spec == null ? "null" : spec.getClass().getName()));
        }
        WorkManager wm = workManager;
        Timer t = timer;
        if (wm == null || t == null) {
            throw new ResourceAdapterInternalException("The NATS resource adapter is not started");
        }
        NatsActivationSpec natsSpec = (NatsActivationSpec) spec;
        natsSpec.validate();
        ConnectionSettings settings = natsSpec.connectionSettings(connectionDefaults());
        ResolvedActivation resolved = withListener(endpointFactory, natsSpec.resolved());
        refuseConflictingStreamDeclaration(resolved, new ActivationKey(endpointFactory, spec));
        refuseConflictingSelector(resolved, new ActivationKey(endpointFactory, spec));
        EndpointActivation previous = activations.remove(new ActivationKey(endpointFactory, spec));
        if (previous != null) {
            stop(previous); // first, so that the new one's MBean takes the name back
        }
        ActivationMonitor monitor = monitoring.activation(beanName(endpointFactory, resolved), resolved.describe(),
                resolved.jetStream() != null);
        EndpointActivation activation;
        ServiceInstance.Endpoint joined = null;
        try {
            if (resolved.listener() == ListenerKind.REQUEST) {
                joined = joinService(endpointFactory, resolved);
                activation = new ServiceEndpointActivation(endpointFactory, resolved, settings, wm, t, monitor,
                        monitoring.tracing(), joined);
            } else {
                activation = resolved.jetStream() == null
                        ? new CoreSubscriptionActivation(endpointFactory, resolved, settings, wm, t, monitor,
                                monitoring.tracing())
                        : new JetStreamActivation(endpointFactory, resolved, settings, wm, t, monitor,
                                monitoring.tracing());
            }
        } catch (ResourceException | RuntimeException e) {
            if (joined != null) {
                joined.leave();
            }
            monitor.close();
            throw e;
        }
        activation.transactions(transactions);
        // Registered before it starts, so that a stop() meanwhile stops it too.
        ActivationKey key = new ActivationKey(endpointFactory, spec);
        EndpointActivation racing = activations.put(key, activation);
        if (racing != null) {
            stop(racing); // activated twice at once: the later one stays
        }
        try {
            activation.start();
        } catch (ResourceException | RuntimeException e) {
            activations.remove(key, activation);
            if (joined != null) {
                joined.leave();
            }
            monitor.close();
            throw e;
        }
        if (workManager == null) { // the adapter stopped while it started
            activations.remove(key, activation);
            stop(activation);
        }
    }

    /**
     * @return {@code resolved} with the listener the bean implements ({@link ListenerKind#of},
     *         which checks it against the properties) and, for a bean that takes batches and sets
     *         no batch properties, the default batch settings
     */
    private static ResolvedActivation withListener(MessageEndpointFactory factory, ResolvedActivation resolved)
            throws InvalidPropertyException {
        ListenerKind kind = ListenerKind.of(factory, resolved);
        if (kind != ListenerKind.BATCH || resolved.batch() != null) {
            return resolved.withListener(kind);
        }
        dev.natsjca.inbound.BatchSettings defaults = dev.natsjca.inbound.BatchSettings.DEFAULT;
        if (resolved.jetStream() != null && defaults.maxSize() > resolved.jetStream().maxAckPending()) {
            throw new InvalidPropertyException("Invalid value for property 'maxAckPending': '"
                    + resolved.jetStream().maxAckPending() + "': below the batch listener "
                    + ListenerKind.beanClass(factory).getName() + "'s default maxBatchSize of " + defaults.maxSize()
                    + "; set maxBatchSize to at most maxAckPending");
        }
        return resolved.withListener(kind).withBatch(defaults);
    }

    /** @return the bean's endpoint in its service, or {@code null} when it names no service */
    private ServiceInstance.Endpoint joinService(MessageEndpointFactory factory, ResolvedActivation resolved)
            throws InvalidPropertyException {
        ServiceSettings service = resolved.service();
        if (service == null) {
            return null;
        }
        String name = service.endpointName();
        if (name == null) {
            name = beanName(factory, resolved);
            if (!name.matches("[A-Za-z0-9_-]+")) {
                throw new InvalidPropertyException("Invalid value for property 'endpointName': '': the bean's name ('"
                        + name + "') cannot name an endpoint of service '" + service.name() + "' (only letters, "
                        + "digits, - and _); set endpointName");
            }
        }
        return services.join(service, name, resolved.subject(), resolved.queueGroup(), beanName(factory, resolved));
    }

    private void stop(EndpointActivation activation) {
        try {
            activation.stop(deactivationTimeoutOrDefault());
        } finally {
            activation.monitor().close();
        }
    }

    /** @return the name operators see for an activation: the bean's class name, else the server's activation name */
    private static String beanName(MessageEndpointFactory factory, ResolvedActivation resolved) {
        Class<?> bean = ListenerKind.beanClass(factory);
        String activationName = null;
        try {
            activationName = factory.getActivationName();
        } catch (RuntimeException | AbstractMethodError e) {
            // a server on an older Connectors version: the description names it then
        }
        if (bean != null) {
            return bean.getSimpleName();
        }
        return activationName != null && !activationName.isBlank() ? activationName : resolved.describe();
    }

    /**
     * Two activations that declare one stream differently would change it back and forth, each
     * at its every set-up: the second is refused, naming the stream and the settings.
     */
    /**
     * A selector consumes and discards what it does not match: activations sharing messages (one
     * durable, one queue group) must select alike, else each would throw away what the other is
     * there for. Checked among this adapter's activations; across servers the README says so.
     *
     * @throws InvalidPropertyException naming the selector and the other bean
     */
    private void refuseConflictingSelector(ResolvedActivation resolved, ActivationKey key)
            throws InvalidPropertyException {
        for (Map.Entry<ActivationKey, EndpointActivation> e : activations.entrySet()) {
            ResolvedActivation other = e.getValue().resolved();
            if (e.getKey().equals(key) || !sharesMessages(resolved, other)) {
                continue;
            }
            String mine = resolved.selector() == null ? null : resolved.selector().text();
            String theirs = other.selector() == null ? null : other.selector().text();
            if (!java.util.Objects.equals(mine, theirs)) {
                throw new InvalidPropertyException("Invalid value for property 'selector': '" + (mine == null ? "" : mine)
                        + "': " + other.describe() + " shares its messages with this activation and selects "
                        + (theirs == null ? "everything" : "'" + theirs + "'") + "; what one selector skips is "
                        + "acknowledged (JetStream) or dropped (core), lost to the other: give both the same selector");
            }
        }
    }

    /** @return whether the two take messages from one pool: the same durable, or the same queue group and subjects */
    private static boolean sharesMessages(ResolvedActivation a, ResolvedActivation b) {
        if (a.jetStream() != null && b.jetStream() != null) {
            return a.jetStream().durable() != null && a.jetStream().durable().equals(b.jetStream().durable())
                    && a.jetStream().stream().equals(b.jetStream().stream());
        }
        return a.jetStream() == null && b.jetStream() == null && a.queueGroup() != null
                && a.queueGroup().equals(b.queueGroup()) && a.subjects().equals(b.subjects());
    }

    private void refuseConflictingStreamDeclaration(ResolvedActivation resolved, ActivationKey key)
            throws InvalidPropertyException {
        if (resolved.jetStream() == null) {
            return;
        }
        StreamDeclaration mine = resolved.jetStream().streamDeclaration();
        for (Map.Entry<ActivationKey, EndpointActivation> e : activations.entrySet()) {
            ResolvedActivation other = e.getValue().resolved();
            if (e.getKey().equals(key) || other.jetStream() == null) {
                continue;
            }
            String conflict = mine.conflictWith(other.jetStream().streamDeclaration());
            if (conflict != null) {
                throw new InvalidPropertyException("Invalid value for property 'stream': '" + mine.stream()
                        + "': declared differently by the activation on " + other.describe() + " (" + conflict
                        + "); activations declaring one stream must agree");
            }
        }
    }

    @Override
    public void endpointDeactivation(MessageEndpointFactory endpointFactory, ActivationSpec spec) {
        EndpointActivation activation = activations.remove(new ActivationKey(endpointFactory, spec));
        if (activation != null) {
            stop(activation);
        }
    }

    /** @return the registry of this adapter's activations and connection definitions, for status and JMX */
    public Monitoring monitoring() {
        return monitoring;
    }

    /**
     * @return the server's transaction registry, or {@code null} outside a server (or before start):
     *         outbound connections check publishes against the thread's transaction with it
     */
    public TransactionSynchronizationRegistry transactions() {
        return transactions;
    }

    private Duration deactivationTimeout() throws InvalidPropertyException {
        String v = dev.natsjca.config.PropertyResolver.resolve("deactivationTimeout", deactivationTimeout);
        return v == null || v.isBlank() ? DEFAULT_DEACTIVATION_TIMEOUT : Durations.parsePositive("deactivationTimeout", v.trim());
    }

    private Duration readinessGracePeriod() throws InvalidPropertyException {
        String v = dev.natsjca.config.PropertyResolver.resolve("readinessGracePeriod", readinessGracePeriod);
        return v == null || v.isBlank() ? Monitoring.DEFAULT_READINESS_GRACE
                : Durations.parsePositive("readinessGracePeriod", v.trim());
    }

    public String getReadinessGracePeriod() {
        return readinessGracePeriod;
    }

    public void setReadinessGracePeriod(String readinessGracePeriod) {
        this.readinessGracePeriod = readinessGracePeriod;
    }

    private Duration deactivationTimeoutOrDefault() {
        try {
            return deactivationTimeout();
        } catch (InvalidPropertyException e) {
            return DEFAULT_DEACTIVATION_TIMEOUT; // refused at start already
        }
    }

    public String getDeactivationTimeout() {
        return deactivationTimeout;
    }

    public void setDeactivationTimeout(String deactivationTimeout) {
        this.deactivationTimeout = deactivationTimeout;
    }

    @Override
    public XAResource[] getXAResources(ActivationSpec[] specs) {
        return new XAResource[0];
    }

    /**
     * @return a settings builder holding this adapter's connection properties, for connection
     *         definitions and activations to layer their own values on
     */
    public ConnectionSettings.Builder connectionDefaults() {
        return applyTo(ConnectionSettings.builder());
    }

    /**
     * @return the running activation of this endpoint and spec, or {@code null}: for monitoring
     *         (e.g. {@link EndpointActivation#droppedMessages()})
     */
    public EndpointActivation activation(MessageEndpointFactory endpointFactory, ActivationSpec spec) {
        return activations.get(new ActivationKey(endpointFactory, spec));
    }

    /** @return the number of active endpoint activations */
    public int activationCount() {
        return activations.size();
    }

    // A ResourceAdapter is a JavaBean compared by its configuration (Connectors spec 5.3.1).
    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (o == null || o.getClass() != getClass()) {
            return false;
        }
        return sameConnectionProperties((NatsResourceAdapter) o)
                && Objects.equals(deactivationTimeout, ((NatsResourceAdapter) o).deactivationTimeout)
                && Objects.equals(readinessGracePeriod, ((NatsResourceAdapter) o).readinessGracePeriod);
    }

    @Override
    public int hashCode() {
        return connectionPropertiesHash();
    }

    @Override
    public String toString() {
        return "NatsResourceAdapter[" + describeConnectionProperties() + "]";
    }

    /** Servers hand back the same factory and spec instances on deactivation: compare by identity. */
    private static final class ActivationKey {
        private final MessageEndpointFactory factory;
        private final ActivationSpec spec;

        ActivationKey(MessageEndpointFactory factory, ActivationSpec spec) {
            this.factory = factory;
            this.spec = spec;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ActivationKey && ((ActivationKey) o).factory == factory
                    && ((ActivationKey) o).spec == spec;
        }

        @Override
        public int hashCode() {
            return 31 * System.identityHashCode(factory) + System.identityHashCode(spec);
        }
    }
}
