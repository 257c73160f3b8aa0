package dev.natsjca.inbound.service;

import java.util.HashMap;
import java.util.Map;

import jakarta.resource.spi.InvalidPropertyException;

/**
 * The services of one resource adapter: one {@link ServiceInstance} per service name, whose
 * endpoints are the activations that name it. The first endpoint makes the instance (its id, its
 * start time); the last one to leave ends it. Thread-safe.
 */
public final class ServiceRegistry {

    private final Map<String, ServiceInstance> services = new HashMap<>();

    /**
     * Adds an endpoint to its service.
     *
     * @param owner describes the activation, for errors and logs
     * @return the endpoint, until it {@link ServiceInstance.Endpoint#leave() leaves}
     * @throws InvalidPropertyException when the service is declared differently by another
     *         endpoint, or the endpoint's name is taken in it
     */
    public synchronized ServiceInstance.Endpoint join(ServiceSettings settings, String endpointName, String subject,
                                                      String queueGroup, String owner) throws InvalidPropertyException {
        ServiceInstance instance = services.get(settings.name());
        boolean made = instance == null;
        if (made) {
            instance = new ServiceInstance(settings, this);
        }
        ServiceInstance.Endpoint endpoint = instance.join(settings, endpointName, subject, queueGroup, owner);
        if (made) {
            services.put(settings.name(), instance);
        }
        return endpoint;
    }

    /** Membership changes hold this lock, then the instance's: never the other way round. */
    synchronized void leave(ServiceInstance.Endpoint endpoint) {
        ServiceInstance instance = endpoint.service();
        if (instance.leave(endpoint)) {
            services.remove(instance.name(), instance);
        }
    }

    /** @return the instance of service {@code name}, or {@code null} */
    public synchronized ServiceInstance service(String name) {
        return services.get(name);
    }
}
