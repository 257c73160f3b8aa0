package dev.natsjca.inbound.service;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.natsjca.config.ConnectionProperties;
import dev.natsjca.config.PropertyResolver;
import io.nats.client.support.Validator;
import jakarta.resource.spi.ConfigProperty;
import jakarta.resource.spi.InvalidPropertyException;

/**
 * The activation properties that make a {@code NatsServiceListener} bean an endpoint of a NATS
 * service: name, version, description and metadata of the service, name and metadata of the
 * endpoint. The endpoint's subject and queue group are the activation's {@code subject} and
 * {@code queueGroup} ({@value ServiceSettings#DEFAULT_QUEUE_GROUP} when unset). The names follow
 * the service protocol's rules, checked with jnats' own validators.
 *
 * <p>Not abstract for the reason {@link ConnectionProperties} is not.
 */
public class ServiceEndpointProperties extends ConnectionProperties {

    private static final long serialVersionUID = 1L;

    static final String SERVICE_NAME = "serviceName";
    static final String SERVICE_VERSION = "serviceVersion";
    static final String SERVICE_DESCRIPTION = "serviceDescription";
    static final String SERVICE_METADATA = "serviceMetadata";
    static final String ENDPOINT_NAME = "endpointName";
    static final String ENDPOINT_METADATA = "endpointMetadata";

    @ConfigProperty(description = "Makes the bean (a NatsServiceListener) an endpoint of this NATS service, "
            + "discoverable through $SRV.PING/INFO/STATS: letters, digits, - and _")
    private String serviceName;

    @ConfigProperty(description = "The service's semantic version (required with serviceName), e.g. 1.0.0")
    private String serviceVersion;

    @ConfigProperty(description = "The service's description")
    private String serviceDescription;

    @ConfigProperty(description = "The service's metadata: key=value pairs, comma-separated")
    private String serviceMetadata;

    @ConfigProperty(description = "The endpoint's name within its service (default: the bean's class name): "
            + "letters, digits, - and _")
    private String endpointName;

    @ConfigProperty(description = "The endpoint's metadata: key=value pairs, comma-separated")
    private String endpointMetadata;

    /**
     * @return the service settings, or {@code null} when {@code serviceName} is not set (then none
     *         of the others may be)
     * @throws InvalidPropertyException naming the property and its value
     */
    protected ServiceSettings resolveService() throws InvalidPropertyException {
        String name = value(SERVICE_NAME, serviceName);
        String version = value(SERVICE_VERSION, serviceVersion);
        String description = value(SERVICE_DESCRIPTION, serviceDescription);
        String metadata = value(SERVICE_METADATA, serviceMetadata);
        String endpoint = value(ENDPOINT_NAME, endpointName);
        String endpointMeta = value(ENDPOINT_METADATA, endpointMetadata);
        if (name == null) {
            for (String[] other : new String[][] {{SERVICE_VERSION, version}, {SERVICE_DESCRIPTION, description},
                    {SERVICE_METADATA, metadata}, {ENDPOINT_NAME, endpoint}, {ENDPOINT_METADATA, endpointMeta}}) {
                if (other[1] != null) {
                    throw new InvalidPropertyException("Invalid value for property '" + other[0] + "': '" + other[1]
                            + "': it applies to a service endpoint, and property '" + SERVICE_NAME + "' is not set");
                }
            }
            return null;
        }
        restrictedTerm(SERVICE_NAME, name);
        if (version == null) {
            throw new InvalidPropertyException("Invalid value for property '" + SERVICE_VERSION + "': '': a service "
                    + "('" + name + "') needs a semantic version, e.g. 1.0.0");
        }
        if (!Validator.isSemVer(version)) {
            throw new InvalidPropertyException("Invalid value for property '" + SERVICE_VERSION + "': '" + version
                    + "': not a semantic version (MAJOR.MINOR.PATCH, e.g. 1.0.0 or 2.1.0-rc.1)");
        }
        if (endpoint != null) {
            restrictedTerm(ENDPOINT_NAME, endpoint);
        }
        return new ServiceSettings(name, version, description, metadata(SERVICE_METADATA, metadata), endpoint,
                metadata(ENDPOINT_METADATA, endpointMeta));
    }

    /** @throws InvalidPropertyException unless {@code value} is a name the service protocol allows */
    static void restrictedTerm(String property, String value) throws InvalidPropertyException {
        try {
            Validator.validateIsRestrictedTerm(value, property, true);
        } catch (IllegalArgumentException e) {
            throw new InvalidPropertyException("Invalid value for property '" + property + "': '" + value
                    + "': only letters, digits, - and _ are allowed");
        }
    }

    private static String value(String property, String raw) throws InvalidPropertyException {
        return PropertyResolver.resolveSet(property, raw);
    }

    private static Map<String, String> metadata(String property, String value) throws InvalidPropertyException {
        Map<String, String> out = new LinkedHashMap<>();
        if (value == null) {
            return out;
        }
        for (String pair : value.split(",")) {
            int eq = pair.indexOf('=');
            String key = eq < 0 ? "" : pair.substring(0, eq).trim();
            if (key.isEmpty() || out.containsKey(key)) {
                throw new InvalidPropertyException("Invalid value for property '" + property + "': '" + value
                        + "': expected key=value pairs, comma-separated, each key once (at '" + pair.trim() + "')");
            }
            out.put(key, pair.substring(eq + 1).trim());
        }
        return out;
    }

    public String getServiceName() {
        return serviceName;
    }

    public void setServiceName(String serviceName) {
        this.serviceName = serviceName;
    }

    public String getServiceVersion() {
        return serviceVersion;
    }

    public void setServiceVersion(String serviceVersion) {
        this.serviceVersion = serviceVersion;
    }

    public String getServiceDescription() {
        return serviceDescription;
    }

    public void setServiceDescription(String serviceDescription) {
        this.serviceDescription = serviceDescription;
    }

    public String getServiceMetadata() {
        return serviceMetadata;
    }

    public void setServiceMetadata(String serviceMetadata) {
        this.serviceMetadata = serviceMetadata;
    }

    public String getEndpointName() {
        return endpointName;
    }

    public void setEndpointName(String endpointName) {
        this.endpointName = endpointName;
    }

    public String getEndpointMetadata() {
        return endpointMetadata;
    }

    public void setEndpointMetadata(String endpointMetadata) {
        this.endpointMetadata = endpointMetadata;
    }
}
