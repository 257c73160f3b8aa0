package dev.natsjca.config;

import java.lang.System.Logger.Level;
import java.util.Locale;
import java.util.Optional;

import jakarta.resource.spi.InvalidPropertyException;

/**
 * Resolves {@code ${key}} and {@code ${key:default}} placeholders anywhere in a property value.
 *
 * <p>Keys are looked up through MicroProfile Config when the server provides an implementation
 * (WildFly and Payara do); so {@code ${nats.url}} finds the environment variable
 * {@code NATS_URL}, a system property, or any other configured source. Where no MicroProfile
 * Config implementation is present (plain Java SE tests), the same two default sources are
 * consulted directly: the system property, then the environment variable named by the
 * MicroProfile mapping rules.
 *
 * <p>A value may hold any number of placeholders among literal text
 * ({@code ${app.env}.orders.${region:eu}.*}); a default may itself hold placeholders
 * ({@code ${a:${b:x}}}). {@code \$} stands for a literal {@code $}. A looked-up value is used as
 * it is, never resolved again, so a configuration value cannot make the adapter loop. A
 * placeholder that is not closed, names no key, or names a key with no value and no default fails
 * with an {@link InvalidPropertyException} naming the property and the key.
 */
public final class PropertyResolver {

    private static final System.Logger LOG = System.getLogger(PropertyResolver.class.getName());

    private PropertyResolver() {
    }

    /**
     * @param property the property name, for error messages
     * @param value the raw value, possibly holding placeholders, possibly {@code null}
     * @return the resolved value, or {@code null} when {@code value} is {@code null}
     * @throws InvalidPropertyException when a placeholder is malformed or has no value and no default
     */
    public static String resolve(String property, String value) throws InvalidPropertyException {
        if (value == null || (value.indexOf('$') < 0)) {
            return value;
        }
        // A value that is one placeholder ignores blanks around it, as it always has.
        String t = value.trim();
        String source = t.startsWith("${") && closing(t, 2, t.length()) == t.length() - 1 ? t : value;
        return new Expansion(property, source).expand(0, source.length());
    }

    /**
     * @param property the property name, for error messages
     * @param value the raw value, possibly holding placeholders, possibly {@code null}
     * @return the resolved value without blanks around it, or {@code null} when unset or blank
     * @throws InvalidPropertyException when a placeholder is malformed or has no value and no default
     */
    public static String resolveSet(String property, String value) throws InvalidPropertyException {
        String v = resolve(property, value);
        return v == null || v.isBlank() ? null : v.trim();
    }

    /** @return the index of the brace closing the placeholder whose body starts at {@code from}, or -1 */
    private static int closing(String s, int from, int to) {
        int depth = 1;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < to && s.charAt(i + 1) == '$') {
                i++;
            } else if (c == '$' && i + 1 < to && s.charAt(i + 1) == '{') {
                depth++;
                i++;
            } else if (c == '}' && --depth == 0) {
                return i;
            }
        }
        return -1;
    }

    /** One value's expansion: knows the property and the raw value for error messages. */
    private static final class Expansion {
        private final String property;
        private final String value;

        Expansion(String property, String value) {
            this.property = property;
            this.value = value;
        }

        String expand(int from, int to) throws InvalidPropertyException {
            StringBuilder out = new StringBuilder(to - from + 16);
            for (int i = from; i < to; i++) {
                char c = value.charAt(i);
                if (c == '\\' && i + 1 < to && value.charAt(i + 1) == '$') {
                    out.append('$');
                    i++;
                } else if (c == '$' && i + 1 < to && value.charAt(i + 1) == '{') {
                    int end = closing(value, i + 2, to);
                    if (end < 0) {
                        throw failure("the placeholder at position " + (i + 1) + " has no closing '}'");
                    }
                    out.append(placeholder(i, i + 2, end));
                    i = end;
                } else {
                    out.append(c);
                }
            }
            return out.toString();
        }

        private String placeholder(int start, int bodyFrom, int bodyTo) throws InvalidPropertyException {
            int colon = -1;
            for (int i = bodyFrom; i < bodyTo; i++) {
                char c = value.charAt(i);
                if (c == ':') {
                    colon = i;
                    break;
                }
                if (c == '$' || c == '{') {
                    break;
                }
            }
            String key = value.substring(bodyFrom, colon < 0 ? bodyTo : colon).trim();
            if (key.isEmpty()) {
                throw failure("the placeholder at position " + (start + 1) + " names no key");
            }
            if (key.contains("${")) {
                throw failure("the placeholder at position " + (start + 1)
                        + " has a nested placeholder in its key; only a default may hold one");
            }
            Optional<String> found = lookup(key);
            if (found.isPresent()) {
                return found.get();
            }
            if (colon >= 0) {
                return expand(colon + 1, bodyTo);
            }
            throw failure("no configuration value for key '" + key + "' (set it in MicroProfile Config, e.g. as "
                    + "environment variable " + envName(key) + ") and the placeholder gives no default");
        }

        private InvalidPropertyException failure(String why) {
            // A URL's user info is a secret whatever the property's name (nats://admin:s3cret@${host}).
            return invalid(property, Secrets.isSecret(property) ? "***" : ConnectionSettings.redactText(value), why);
        }
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

    /** Property names whose values must never appear in a message. */
    static final class Secrets {
        private Secrets() {
        }

        static boolean isSecret(String property) {
            String p = property.toLowerCase(Locale.ROOT);
            return p.contains("password") || p.contains("token") || p.contains("secret") || p.contains("seed")
                    || p.contains("credential") || p.contains("nkey");
        }
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
