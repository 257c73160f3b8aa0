package dev.natsjca.inbound.service;

import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import io.nats.client.NUID;
import io.nats.client.support.JsonUtils;
import io.nats.service.InfoResponse;
import io.nats.service.PingResponse;
import io.nats.service.Service;
import io.nats.service.StatsResponse;
import jakarta.resource.spi.InvalidPropertyException;

/**
 * One running instance of a NATS service in this adapter: its id, its endpoints (activations),
 * and the answers to the service protocol (ADR-32): {@code $SRV.PING}, {@code $SRV.INFO} and
 * {@code $SRV.STATS}, each for all services, by name, and by name and id. Discovery is answered
 * on one endpoint's connection (the first that is consuming); when that endpoint stops, another
 * endpoint's connection takes it over, so the instance answers once per request.
 *
 * <p>Membership changes come through the {@link ServiceRegistry} (its lock, then this one);
 * discovery requests arrive on a jnats dispatcher thread and read the counts under this lock.
 */
public final class ServiceInstance {

    private static final System.Logger LOG = System.getLogger(ServiceInstance.class.getName());

    private final String name;
    private final String version;
    private final ServiceRegistry registry;
    /** As the first endpoint that set them declared them; guarded by this. */
    private String description;
    private Map<String, String> metadata = Map.of();
    private final String id = NUID.nextGlobal();
    private final ZonedDateTime started = ZonedDateTime.now(ZoneOffset.UTC);
    private final List<Endpoint> endpoints = new ArrayList<>();
    /** The endpoint whose connection answers discovery, and its dispatcher; guarded by this. */
    private Endpoint host;
    private Dispatcher discovery;

    ServiceInstance(ServiceSettings settings, ServiceRegistry registry) {
        this.name = settings.name();
        this.version = settings.version();
        this.registry = registry;
    }

    /** @return the service's name */
    public String name() {
        return name;
    }

    /** @return this instance's id (new with every start of the service in this adapter) */
    public String id() {
        return id;
    }

    synchronized Endpoint join(ServiceSettings declared, String endpointName, String subject, String queueGroup,
                               String owner) throws InvalidPropertyException {
        if (!endpoints.isEmpty()) {
            // The version every endpoint states; description and metadata once are enough, by
            // whichever endpoint, in whatever order they activate: another may leave them unset,
            // but not set them otherwise.
            Endpoint first = endpoints.get(0);
            disagreement(ServiceEndpointProperties.SERVICE_VERSION, declared.version(), version, first);
            if (declared.description() != null && description != null) {
                disagreement(ServiceEndpointProperties.SERVICE_DESCRIPTION, declared.description(), description, first);
            }
            if (!declared.metadata().isEmpty() && !metadata.isEmpty()) {
                disagreement(ServiceEndpointProperties.SERVICE_METADATA, declared.metadata(), metadata, first);
            }
        }
        if (description == null) {
            description = declared.description();
        }
        if (metadata.isEmpty()) {
            metadata = declared.metadata();
        }
        for (Endpoint e : endpoints) {
            if (e.name.equals(endpointName)) {
                throw new InvalidPropertyException("Invalid value for property '" + ServiceEndpointProperties.ENDPOINT_NAME
                        + "': '" + endpointName + "': service '" + name() + "' has an endpoint of that name already ("
                        + e.owner + "); each endpoint of a service needs its own name");
            }
        }
        Endpoint e = new Endpoint(endpointName, subject, queueGroup, declared.endpointMetadata(), owner);
        endpoints.add(e);
        return e;
    }

    private void disagreement(String property, Object mine, Object theirs, Endpoint other)
            throws InvalidPropertyException {
        if (!Objects.equals(mine, theirs)) {
            throw new InvalidPropertyException("Invalid value for property '" + property + "': '" + (mine == null ? ""
                    : mine) + "': service '" + name() + "' is declared with '" + (theirs == null ? "" : theirs)
                    + "' by its endpoint " + other.owner + "; the endpoints of one service must agree");
        }
    }

    /** @return whether the instance has no endpoint left (it ends) */
    synchronized boolean leave(Endpoint e) {
        endpoints.remove(e);
        if (host == e) {
            unhost();
            for (Endpoint other : endpoints) {
                if (other.connection != null && host(other)) {
                    break;
                }
            }
        }
        return endpoints.isEmpty();
    }

    /** An endpoint consumes on {@code connection}: it answers discovery unless another does. */
    private synchronized void consuming(Endpoint e, Connection connection) {
        e.connection = connection;
        if (!endpoints.contains(e)) {
            return;
        }
        if (host != null && host != e && host.connection != null) {
            return;
        }
        if (host == e && discovery != null && discovery.isActive()) {
            return;
        }
        unhost();
        host(e);
    }

    /** An endpoint stopped consuming (for now): discovery moves to another that consumes. */
    private synchronized void notConsuming(Endpoint e) {
        e.connection = null;
        if (host != e) {
            return;
        }
        unhost();
        for (Endpoint other : endpoints) {
            if (other.connection != null && host(other)) {
                return;
            }
        }
    }

    private boolean host(Endpoint e) {
        Dispatcher[] self = new Dispatcher[1];
        try {
            self[0] = e.connection.createDispatcher(m -> answer(m, self[0]));
            for (String verb : new String[] {Service.SRV_PING, Service.SRV_INFO, Service.SRV_STATS}) {
                String all = Service.DEFAULT_SERVICE_PREFIX + verb;
                self[0].subscribe(all);
                self[0].subscribe(all + "." + name());
                self[0].subscribe(all + "." + name() + "." + id);
            }
            host = e;
            discovery = self[0];
            return true;
        } catch (RuntimeException ex) {
            LOG.log(Level.WARNING, "NATS service " + name() + " (" + id + "): discovery cannot be answered on the "
                    + "connection of " + e.owner + "; trying the next endpoint", ex);
            if (self[0] != null) {
                try {
                    e.connection.closeDispatcher(self[0]); // half-subscribed: it would answer beside the next
                } catch (RuntimeException closing) {
                    LOG.log(Level.DEBUG, "NATS service {0}: {1}", name(), closing.toString());
                }
            }
            return false;
        }
    }

    private void unhost() {
        Dispatcher d = discovery;
        Endpoint h = host;
        discovery = null;
        host = null;
        if (d != null && h != null && h.connection != null) {
            try {
                h.connection.closeDispatcher(d);
            } catch (RuntimeException e) {
                LOG.log(Level.DEBUG, "NATS service {0}: discovery subscriptions already gone ({1})", name(), e);
            }
        }
    }

    /**
     * Answers one discovery request, received by dispatcher {@code from}. Only the current host's
     * dispatcher answers: while discovery moves, a request the server gave both the old and the
     * new subscription is answered once (one given only to the old may go unanswered then).
     */
    private void answer(Message request, Dispatcher from) {
        String replyTo = request.getReplyTo();
        if (replyTo == null) {
            return;
        }
        String subject = request.getSubject();
        String verb = subject.substring(Service.DEFAULT_SERVICE_PREFIX.length()).split("\\.", 2)[0];
        String json;
        synchronized (this) {
            if (discovery == null || discovery != from) {
                return;
            }
            json = switch (verb) {
                case Service.SRV_PING -> ping();
                case Service.SRV_INFO -> info();
                case Service.SRV_STATS -> stats();
                default -> null;
            };
        }
        if (json == null) {
            return;
        }
        boolean interrupted = Thread.interrupted(); // jnats would drop it silently
        try {
            request.getConnection().publish(replyTo, json.getBytes(StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            LOG.log(Level.DEBUG, "NATS service {0}: a {1} answer was not sent ({2})", name(), verb, e.toString());
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private StringBuilder common(String type) {
        StringBuilder sb = JsonUtils.beginJson();
        JsonUtils.addField(sb, "type", type);
        JsonUtils.addField(sb, "name", name());
        JsonUtils.addField(sb, "id", id);
        JsonUtils.addField(sb, "version", version);
        JsonUtils.addField(sb, "metadata", metadata);
        return sb;
    }

    String ping() {
        return JsonUtils.endJson(common(PingResponse.TYPE)).toString();
    }

    String info() {
        StringBuilder sb = common(InfoResponse.TYPE);
        JsonUtils.addField(sb, "description", description);
        List<String> list = new ArrayList<>();
        for (Endpoint e : endpoints) {
            StringBuilder es = JsonUtils.beginJson();
            JsonUtils.addField(es, "name", e.name);
            JsonUtils.addField(es, "subject", e.subject);
            JsonUtils.addField(es, "queue_group", e.queueGroup);
            JsonUtils.addField(es, "metadata", e.metadata);
            list.add(JsonUtils.endJson(es).toString());
        }
        JsonUtils.addRawJson(sb, "endpoints", "[" + String.join(",", list) + "]");
        return JsonUtils.endJson(sb).toString();
    }

    String stats() {
        StringBuilder sb = common(StatsResponse.TYPE);
        JsonUtils.addField(sb, "started", started);
        List<String> list = new ArrayList<>();
        for (Endpoint e : endpoints) {
            long requests = e.requests.get();
            long nanos = e.processingNanos.get();
            StringBuilder es = JsonUtils.beginJson();
            JsonUtils.addField(es, "name", e.name);
            JsonUtils.addField(es, "subject", e.subject);
            JsonUtils.addField(es, "queue_group", e.queueGroup);
            JsonUtils.addField(es, "num_requests", requests);
            JsonUtils.addField(es, "num_errors", e.errors.get());
            JsonUtils.addField(es, "processing_time", nanos);
            JsonUtils.addField(es, "average_processing_time", requests == 0 ? 0L : nanos / requests);
            JsonUtils.addFieldEvenEmpty(es, "last_error", e.lastError == null ? "" : e.lastError);
            list.add(JsonUtils.endJson(es).toString());
        }
        JsonUtils.addRawJson(sb, "endpoints", "[" + String.join(",", list) + "]");
        return JsonUtils.endJson(sb).toString();
    }

    /** One endpoint of the service: an activation, with its counts. */
    public final class Endpoint {
        private final String name;
        private final String subject;
        private final String queueGroup;
        private final Map<String, String> metadata;
        private final String owner;
        private final AtomicLong requests = new AtomicLong();
        private final AtomicLong errors = new AtomicLong();
        private final AtomicLong processingNanos = new AtomicLong();
        private volatile String lastError;
        /** The connection the endpoint consumes on, or {@code null}; guarded by the instance. */
        private Connection connection;

        private Endpoint(String name, String subject, String queueGroup, Map<String, String> metadata, String owner) {
            this.name = name;
            this.subject = subject;
            this.queueGroup = queueGroup;
            this.metadata = metadata;
            this.owner = owner;
        }

        ServiceInstance service() {
            return ServiceInstance.this;
        }

        /** @return the endpoint's name in its service */
        public String name() {
            return name;
        }

        /** The endpoint consumes on {@code c} (again): discovery may be answered there. */
        public void consuming(Connection c) {
            ServiceInstance.this.consuming(this, c);
        }

        /** The endpoint stopped consuming, for now or for good. */
        public void notConsuming() {
            ServiceInstance.this.notConsuming(this);
        }

        /** The endpoint leaves its service for good (its activation stops). */
        public void leave() {
            registry.leave(this);
        }

        /**
         * A request answered with the bean's reply, {@code nanos} after it arrived: counted before
         * the reply leaves, so a requester that asks for the stats next finds it.
         */
        public void answered(long nanos) {
            requests.incrementAndGet();
            processingNanos.addAndGet(nanos);
        }

        /** A request answered with an error (counted before the error reply leaves). */
        public void failed(long nanos, String error) {
            errors.incrementAndGet();
            lastError = error;
            answered(nanos);
        }

        /** A request already counted as answered whose reply could not be sent: an error after all. */
        public void unsent(String error) {
            errors.incrementAndGet();
            lastError = error;
        }
    }
}
