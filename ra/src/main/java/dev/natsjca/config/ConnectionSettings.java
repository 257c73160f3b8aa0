package dev.natsjca.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

import io.nats.client.ConnectionListener;
import io.nats.client.ErrorListener;
import io.nats.client.Options;
import jakarta.resource.spi.InvalidPropertyException;

/**
 * Validated, immutable settings of one physical NATS connection. Built from raw property values
 * (placeholders allowed) by {@link #builder()}; turned into jnats {@link Options} by
 * {@link #toOptions}. Equal settings mean interchangeable connections, which is what the
 * connection pool relies on.
 *
 * <p>{@link #toString()} never shows a password, nor credentials embedded in a server URL.
 */
public final class ConnectionSettings {

    /** Property names, as they appear on the adapter, connection definition and activation. */
    public static final String SERVER_URLS = "serverUrls";
    public static final String CONNECTION_NAME = "connectionName";
    public static final String USER = "user";
    public static final String PASSWORD = "password";
    public static final String CONNECT_TIMEOUT = "connectTimeout";

    /** What the adapter uses when nothing is configured: MicroProfile key {@code nats.url}. */
    public static final String DEFAULT_SERVER_URLS = "${nats.url:nats://127.0.0.1:4222}";

    private static final Set<String> SCHEMES = Set.of("nats", "tls", "opentls", "ws", "wss");

    private final List<String> servers;
    private final String connectionName;
    private final String user;
    private final String password;
    private final Duration connectTimeout;

    private ConnectionSettings(Builder b, List<String> servers, String user, String password) {
        this.servers = Collections.unmodifiableList(servers);
        this.connectionName = b.connectionName;
        this.user = user;
        this.password = password;
        this.connectTimeout = b.connectTimeout;
    }

    /** @return a builder; every setter takes the raw property value */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the server URLs, in the order given */
    public List<String> servers() {
        return servers;
    }

    /** @return the connection name shown in the server's monitoring, or {@code null} */
    public String connectionName() {
        return connectionName;
    }

    /** @return the connect timeout for one connection attempt */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /**
     * Builds jnats options for these settings.
     *
     * @param nameSuffix appended to the connection name (e.g. the activation's subject), or {@code null}
     * @param connectionListener receives connection state changes
     * @param errorListener receives asynchronous errors
     * @param maxReconnects jnats' reconnect attempts before the connection closes for good; -1 = forever
     * @return a builder the caller may refine further
     */
    public Options.Builder toOptions(String nameSuffix, ConnectionListener connectionListener,
                                     ErrorListener errorListener, int maxReconnects) {
        Options.Builder b = new Options.Builder()
                .servers(servers.toArray(new String[0]))
                .connectionTimeout(connectTimeout)
                .maxReconnects(maxReconnects)
                .connectionListener(connectionListener)
                .errorListener(errorListener);
        String name = connectionName;
        if (nameSuffix != null) {
            name = name == null ? nameSuffix : name + " " + nameSuffix;
        }
        if (name != null) {
            b.connectionName(name);
        }
        if (user != null) {
            b.userInfo(user, password == null ? "" : password);
        }
        return b;
    }

    /** @return the server URLs with any embedded credentials replaced by {@code ***} */
    public String redactedServers() {
        return redactUrls(String.join(",", servers));
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof ConnectionSettings)) {
            return false;
        }
        ConnectionSettings other = (ConnectionSettings) o;
        return servers.equals(other.servers) && Objects.equals(connectionName, other.connectionName)
                && Objects.equals(user, other.user) && Objects.equals(password, other.password)
                && connectTimeout.equals(other.connectTimeout);
    }

    @Override
    public int hashCode() {
        return Objects.hash(servers, connectionName, user, connectTimeout);
    }

    @Override
    public String toString() {
        return "ConnectionSettings[servers=" + redactedServers() + ", connectionName=" + connectionName
                + ", user=" + user + ", password=" + (password == null ? "<none>" : "***")
                + ", connectTimeout=" + connectTimeout + "]";
    }

    /**
     * @param urls one URL or a comma-separated list, possibly a placeholder; may be {@code null}
     * @return the same with the user-info part of each URL (a password or token) replaced by {@code ***}
     */
    public static String redactUrls(String urls) {
        if (urls == null) {
            return null;
        }
        List<String> out = new ArrayList<>();
        for (String s : urls.split(",", -1)) {
            out.add(redact(s.trim()));
        }
        return String.join(",", out);
    }

    /**
     * @param text free text that may contain URLs, e.g. a jnats exception message
     * @return the same with the user-info part of every URL replaced by {@code ***}
     */
    public static String redactText(String text) {
        return text == null ? null : text.replaceAll("//[^/@\\s]+@", "//***@");
    }

    private static String redact(String url) {
        int scheme = url.indexOf("://");
        int at = url.lastIndexOf('@');
        if (at < 0) {
            return url;
        }
        int start = scheme < 0 ? 0 : scheme + 3;
        return at > start ? url.substring(0, start) + "***" + url.substring(at) : url;
    }

    /**
     * Collects raw property values; {@link #build()} resolves and validates them. Setters ignore
     * {@code null}, so layers can be applied in order: adapter defaults, then the connection
     * definition's or activation's own values.
     */
    public static final class Builder {
        private String rawServers = DEFAULT_SERVER_URLS;
        private String connectionName;
        private String rawUser;
        private String rawPassword;
        private Duration connectTimeout = Duration.ofSeconds(5);
        private String rawConnectTimeout;

        private Builder() {
        }

        /**
         * @param value comma-separated URLs such as {@code nats://host1:4222,nats://host2:4222};
         *              {@code null} or blank keeps the default ({@value #DEFAULT_SERVER_URLS})
         */
        public Builder serverUrls(String value) {
            if (value != null && !value.isBlank()) {
                this.rawServers = value;
            }
            return this;
        }

        /** @param value the client connection name; {@code null} keeps what was set before */
        public Builder connectionName(String value) {
            if (value != null) {
                this.connectionName = value;
            }
            return this;
        }

        /** @param value user name for user/password authentication; {@code null} keeps what was set before */
        public Builder user(String value) {
            if (value != null) {
                this.rawUser = value;
            }
            return this;
        }

        /** @param value password for user/password authentication; {@code null} keeps what was set before */
        public Builder password(String value) {
            if (value != null) {
                this.rawPassword = value;
            }
            return this;
        }

        /**
         * @param value milliseconds, or an ISO-8601 duration such as {@code PT5S};
         *              {@code null} keeps what was set before (5 s by default)
         */
        public Builder connectTimeout(String value) {
            if (value != null) {
                this.rawConnectTimeout = value;
            }
            return this;
        }

        /**
         * @return the validated settings
         * @throws InvalidPropertyException naming the first invalid property and its value
         */
        public ConnectionSettings build() throws InvalidPropertyException {
            String servers = PropertyResolver.resolve(SERVER_URLS, rawServers);
            List<String> urls = new ArrayList<>();
            for (String part : servers.split(",")) {
                String url = part.trim();
                if (url.isEmpty()) {
                    throw PropertyResolver.invalid(SERVER_URLS, redactUrls(servers), "it contains an empty entry");
                }
                checkUrl(url);
                urls.add(url);
            }
            connectionName = emptyToNull(PropertyResolver.resolve(CONNECTION_NAME, connectionName));
            String user = emptyToNull(PropertyResolver.resolve(USER, rawUser));
            String password = emptyToNull(PropertyResolver.resolve(PASSWORD, rawPassword));
            if (password != null && user == null) {
                throw PropertyResolver.invalid(USER, "", "a password is set but no user");
            }
            if (rawConnectTimeout != null && !rawConnectTimeout.isBlank()) {
                connectTimeout = Durations.parsePositive(CONNECT_TIMEOUT,
                        PropertyResolver.resolve(CONNECT_TIMEOUT, rawConnectTimeout));
            }
            return new ConnectionSettings(this, urls, user, password);
        }

        private static void checkUrl(String url) throws InvalidPropertyException {
            String candidate = url.contains("://") ? url : "nats://" + url;
            URI uri;
            try {
                uri = new URI(candidate);
            } catch (URISyntaxException e) {
                throw PropertyResolver.invalid(SERVER_URLS, redact(url), "not a URL: " + e.getReason());
            }
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!SCHEMES.contains(scheme)) {
                throw PropertyResolver.invalid(SERVER_URLS, redact(url),
                        "unknown scheme '" + scheme + "' (expected one of " + SCHEMES + ")");
            }
            if (uri.getHost() == null || uri.getHost().isEmpty()) {
                throw PropertyResolver.invalid(SERVER_URLS, redact(url), "no host");
            }
            if (uri.getPort() == 0 || uri.getPort() > 65535) {
                throw PropertyResolver.invalid(SERVER_URLS, redact(url), "port out of range 1-65535");
            }
        }

        private static String emptyToNull(String s) {
            return s == null || s.isBlank() ? null : s;
        }
    }
}
