package dev.natsjca.config;

import java.lang.System.Logger.Level;
import java.util.Locale;
import java.util.Optional;

import jakarta.resource.spi.InvalidPropertyException;

/**
 * Resolves {@code ${key}} and {@code ${key:default}} property values.
 *
 * <p>Keys are looked up through MicroProfile Config when the server provides an implementation
 * (WildFly and Payara do); so {@code ${nats.url}} finds the environment variable
 * {@code NATS_URL}, a system property, or any other configured source. Where no MicroProfile
 * Config implementation is present (plain Java SE tests), the same two default sources are
 * consulted directly: the system property, then the environment variable named by the
 * MicroProfile mapping rules. A value that is not entirely one placeholder is returned as is.
 */
public final class PropertyResolver {

    private static final System.Logger LOG = System.getLogger(PropertyResolver.class.getName());

    private PropertyResolver() {
    }

    /**
     * @param property the property name, for error messages
     * @param value the raw value, possibly a placeholder, possibly {@code null}
     * @return the resolved value, or {@code null} when {@code value} is {@code null}
     * @throws InvalidPropertyException when a placeholder has no value and no default
     */
    public static String resolve(String property, String value) throws InvalidPropertyException {
        if (value == null) {
            return null;
        }
        String trimmed = value.trim();
        if (!trimmed.startsWith("${") || !trimmed.endsWith("}")) {
            return value;
        }
        String body = trimmed.substring(2, trimmed.length() - 1);
        int colon = body.indexOf(':');
        String key = (colon < 0 ? body : body.substring(0, colon)).trim();
        String fallback = colon < 0 ? null : body.substring(colon + 1);
        if (key.isEmpty()) {
            throw invalid(property, value, "the placeholder names no key");
        }
        Optional<String> found = lookup(key);
        if (found.isPresent()) {
            return found.get();
        }
        if (fallback != null) {
            return fallback;
        }
        throw invalid(property, value, "no configuration value for key '" + key
                + "' (set it in MicroProfile Config, e.g. as environment variable " + envName(key)
                + ") and the placeholder gives no default");
    }

    private static Optional<String> lookup(String key) {
        try {
            return MicroProfileLookup.find(key);
        } catch (LinkageError | IllegalStateException | java.util.ServiceConfigurationError e) {
            // No MicroProfile Config API or implementation visible here: use its default sources.
            LOG.log(Level.TRACE, "MicroProfile Config not available, using system properties and environment", e);
        }
        String fromSystem = System.getProperty(key);
        if (fromSystem != null) {
            return Optional.of(fromSystem);
        }
        String fromEnv = System.getenv(key);
        if (fromEnv == null) {
            fromEnv = System.getenv(key.replaceAll("[^A-Za-z0-9_]", "_"));
        }
        if (fromEnv == null) {
            fromEnv = System.getenv(envName(key));
        }
        return Optional.ofNullable(fromEnv);
    }

    /** The environment variable MicroProfile Config maps a key to: {@code nats.url -> NATS_URL}. */
    static String envName(String key) {
        return key.replaceAll("[^A-Za-z0-9_]", "_").toUpperCase(Locale.ROOT);
    }

    static InvalidPropertyException invalid(String property, String value, String why) {
        return new InvalidPropertyException(
                "Invalid value for property '" + property + "': '" + value + "': " + why);
    }

    /** Kept in its own class so that a missing MicroProfile Config API fails only here. */
    private static final class MicroProfileLookup {
        static Optional<String> find(String key) {
            ClassLoader loader = Thread.currentThread().getContextClassLoader();
            if (loader == null) {
                loader = PropertyResolver.class.getClassLoader();
            }
            return org.eclipse.microprofile.config.ConfigProvider.getConfig(loader)
                    .getOptionalValue(key, String.class);
        }
    }
}
