package dev.natsjca.sample.health;

import java.util.function.Predicate;

import javax.naming.InitialContext;
import javax.naming.NamingException;

import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;

/** A health response from the adapter's status, with one data entry per activation. */
final class Responses {

    private Responses() {
    }

    /**
     * @param up what of the status decides UP
     * @return the response; DOWN, saying why, when the status cannot be read
     */
    static HealthCheckResponse check(String name, Predicate<AdapterHealth.Snapshot> up) {
        AdapterHealth adapter;
        try {
            adapter = InitialContext.doLookup(AdapterHealth.JNDI_NAME);
        } catch (NamingException e) {
            return HealthCheckResponse.named(name).down().withData("error", "no adapter status at "
                    + AdapterHealth.JNDI_NAME + ": " + e).build();
        }
        AdapterHealth.Snapshot snapshot = adapter.snapshot();
        HealthCheckResponseBuilder b = HealthCheckResponse.named(name).status(up.test(snapshot));
        snapshot.activations().forEach(b::withData);
        return b.build();
    }
}
