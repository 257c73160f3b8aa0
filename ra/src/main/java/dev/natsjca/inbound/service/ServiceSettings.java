package dev.natsjca.inbound.service;

import java.util.Map;

/**
 * A service endpoint's validated properties.
 *
 * @param name the service's name (letters, digits, {@code -}, {@code _})
 * @param version its semantic version
 * @param description the service's description, or {@code null}
 * @param metadata the service's metadata (empty for none)
 * @param endpointName the endpoint's name, or {@code null}: the bean's
 * @param endpointMetadata the endpoint's metadata (empty for none)
 */
public record ServiceSettings(String name, String version, String description, Map<String, String> metadata,
                              String endpointName, Map<String, String> endpointMetadata) {

    /** The queue group of service endpoints that name none (the protocol's default). */
    public static final String DEFAULT_QUEUE_GROUP = "q";

    public ServiceSettings {
        metadata = Map.copyOf(metadata);
        endpointMetadata = Map.copyOf(endpointMetadata);
    }
}
