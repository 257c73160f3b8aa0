package dev.natsjca.monitoring;

import java.lang.System.Logger.Level;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

import javax.management.InstanceAlreadyExistsException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

import dev.natsjca.api.NatsActivationStatus;
import dev.natsjca.api.NatsConnectionDefinitionStatus;
import dev.natsjca.api.NatsStatus;

/**
 * The registry of one resource adapter's monitors: it names them uniquely, registers each as an
 * MBean on the platform MBean server (which WildFly and Payara both expose as their JMX server),
 * and takes the {@link NatsStatus} snapshots applications and health checks read.
 *
 * <p>Object names: {@code dev.natsjca:type=Activation,name=<bean>} and
 * {@code dev.natsjca:type=ConnectionDefinition,name=<name>}; a second one of the same name (here, or
 * in another application's adapter) gets {@code -2}, and so on.
 */
public final class Monitoring {

    private static final System.Logger LOG = System.getLogger(Monitoring.class.getName());

    /** JMX domain of every MBean the adapter registers. */
    public static final String DOMAIN = "dev.natsjca";

    /** How long connecting or setting up may last and still count as ready, unless configured. */
    public static final Duration DEFAULT_READINESS_GRACE = Duration.ofSeconds(10);

    private final Map<String, ActivationMonitor> activations = new ConcurrentHashMap<>();
    private final Map<String, ConnectionDefinitionMonitor> definitions = new ConcurrentHashMap<>();
    private final Map<Object, ConnectionDefinitionMonitor> definitionsByKey = new ConcurrentHashMap<>();
    private final Tracing tracing = Tracing.detect();
    private volatile Duration readinessGrace = DEFAULT_READINESS_GRACE;

    /** @param grace how long connecting, reconnecting or setting up may last and still count as ready */
    public void readinessGrace(Duration grace) {
        this.readinessGrace = grace;
    }

    /** @return trace context propagation: OpenTelemetry when the server provides it, else nothing */
    public Tracing tracing() {
        return tracing;
    }

    /**
     * @param name the bean's name (unique names are made from it)
     * @param source what it consumes, for operators
     * @return the monitor the activation reports to; {@link ActivationMonitor#close()} unregisters it
     */
    public ActivationMonitor activation(String name, String source, boolean jetStream) {
        ActivationMonitor[] made = new ActivationMonitor[1];
        ObjectName[] registered = new ObjectName[1];
        synchronized (this) {
            registered[0] = register("Activation", name, activations::containsKey, unique -> {
                made[0] = new ActivationMonitor(unique, source, jetStream, () -> {
                    activations.remove(unique, made[0]);
                    unregister(registered[0]);
                });
                return new ActivationView(made[0], () -> readinessGrace);
            });
            activations.put(made[0].name(), made[0]);
        }
        return made[0];
    }

    /**
     * @param key what makes two connection definitions one (equal keys share a monitor: a server
     *        may create several equal factories of one definition)
     * @param name the connection definition's name (unique names are made from it)
     * @param servers its configured servers, credentials removed
     * @param redact removes credentials from a server URL
     */
    public synchronized ConnectionDefinitionMonitor connectionDefinition(Object key, String name, String servers,
                                                                         UnaryOperator<String> redact) {
        ConnectionDefinitionMonitor known = definitionsByKey.get(key);
        if (known != null) {
            return known;
        }
        ConnectionDefinitionMonitor[] made = new ConnectionDefinitionMonitor[1];
        register("ConnectionDefinition", name, definitions::containsKey, unique -> {
            made[0] = new ConnectionDefinitionMonitor(unique, servers, redact);
            return new ConnectionDefinitionView(made[0]);
        });
        definitions.put(made[0].name(), made[0]);
        definitionsByKey.put(key, made[0]);
        return made[0];
    }

    /** @return the status of every activation and connection definition now */
    public NatsStatus snapshot() {
        Instant now = Instant.now();
        Duration grace = readinessGrace;
        List<NatsActivationStatus> a = new ArrayList<>();
        for (ActivationMonitor m : activations.values()) {
            a.add(m.snapshot(now, grace));
        }
        a.sort(Comparator.comparing(NatsActivationStatus::name));
        List<NatsConnectionDefinitionStatus> d = new ArrayList<>();
        for (ConnectionDefinitionMonitor m : definitions.values()) {
            d.add(m.snapshot());
        }
        d.sort(Comparator.comparing(NatsConnectionDefinitionStatus::name));
        return new NatsStatus(now, a, d);
    }

    /** The adapter stops: every MBean goes. */
    public void close() {
        for (ActivationMonitor m : new ArrayList<>(activations.values())) {
            m.close();
        }
        synchronized (this) {
            for (String name : new ArrayList<>(definitions.keySet())) {
                definitions.remove(name);
                unregister(objectName("ConnectionDefinition", name));
            }
            definitionsByKey.clear();
        }
    }

    /**
     * Registers the MBean of the first free name: {@code name}, else {@code name-2}, {@code -3}...,
     * free here ({@code taken}) and on the MBean server (another application's adapter has its own
     * registry and registers there too: the server decides, atomically).
     *
     * @param mbean makes the monitor of the name chosen and returns its MBean
     * @return the MBean's name, or {@code null} when it could not be registered (logged; the
     *         monitor exists all the same)
     */
    private static ObjectName register(String type, String name, Predicate<String> taken,
                                       Function<String, Object> mbean) {
        for (int i = 1; ; i++) {
            String candidate = i == 1 ? name : name + "-" + i;
            if (taken.test(candidate)) {
                continue;
            }
            ObjectName on = objectName(type, candidate);
            Object bean = mbean.apply(candidate);
            if (on == null) {
                return null;
            }
            try {
                ManagementFactory.getPlatformMBeanServer().registerMBean(bean, on);
                return on;
            } catch (InstanceAlreadyExistsException e) {
                // another adapter has this name: the next one
            } catch (JMException | RuntimeException e) {
                LOG.log(Level.WARNING, "NATS resource adapter: MBean {0} not registered ({1}); the status stays "
                        + "readable through NatsConnectionFactory.status()", on, e.toString());
                return null;
            }
        }
    }

    private static void unregister(ObjectName on) {
        if (on == null) {
            return;
        }
        try {
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            if (server.isRegistered(on)) {
                server.unregisterMBean(on);
            }
        } catch (JMException | RuntimeException e) {
            LOG.log(Level.DEBUG, "NATS resource adapter: MBean {0} not unregistered: {1}", on, e.toString());
        }
    }

    /** @return {@code dev.natsjca:type=<type>,name=<name>}, the name quoted when it needs to be */
    public static ObjectName objectName(String type, String name) {
        try {
            String value = name.matches("[A-Za-z0-9_.\\-#@/ ]+") ? name : ObjectName.quote(name);
            return new ObjectName(DOMAIN + ":type=" + type + ",name=" + value);
        } catch (JMException e) {
            LOG.log(Level.WARNING, "NATS resource adapter: no MBean name for {0} ''{1}'': {2}", type, name, e.toString());
            return null;
        }
    }
}
