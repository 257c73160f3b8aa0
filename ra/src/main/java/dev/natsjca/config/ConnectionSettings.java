package dev.natsjca.config;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

import io.nats.client.ConnectionListener;
import io.nats.client.ErrorListener;
import io.nats.client.Nats;
import io.nats.client.Options;
import jakarta.resource.spi.InvalidPropertyException;

/**
 * Validated, immutable settings of one physical NATS connection. Built from raw property values
 * (placeholders allowed) by {@link #builder()}; turned into jnats {@link Options} by
 * {@link #toOptions}. Equal settings mean interchangeable connections, which is what the
 * connection pool relies on.
 *
 * <p>{@link #toString()} never shows a password, token or key-store password, nor credentials
 * embedded in a server URL.
 */
public final class ConnectionSettings {

    /** Property names, as they appear on the adapter, connection definition and activation. */
    public static final String SERVER_URLS = "serverUrls";
    public static final String CONNECTION_NAME = "connectionName";
    public static final String CONNECT_TIMEOUT = "connectTimeout";
    public static final String MAX_RECONNECTS = "maxReconnects";
    public static final String RECONNECT_WAIT = "reconnectWait";
    public static final String PING_INTERVAL = "pingInterval";
    public static final String RECONNECT_BUFFER_SIZE = "reconnectBufferSize";
    public static final String USER = "user";
    public static final String PASSWORD = "password";
    public static final String TOKEN = "token";
    public static final String CREDENTIALS_FILE = "credentialsFile";
    public static final String NKEY_SEED_FILE = "nkeySeedFile";
    public static final String TLS_TRUST_STORE = "tlsTrustStore";
    public static final String TLS_TRUST_STORE_PASSWORD = "tlsTrustStorePassword";
    public static final String TLS_KEY_STORE = "tlsKeyStore";
    public static final String TLS_KEY_STORE_PASSWORD = "tlsKeyStorePassword";
    public static final String TLS_DEFAULT_CONTEXT = "tlsDefaultContext";

    /**
     * Client pings this often by default (jnats' own default is 2 minutes): after two unanswered
     * pings jnats drops the connection and reconnects, so a half-open connection (the peer gone
     * without a FIN, a silent network) is noticed within 10-15 seconds, not minutes.
     */
    public static final Duration DEFAULT_PING_INTERVAL = Duration.ofSeconds(5);

    /** What the adapter uses when nothing is configured: MicroProfile key {@code nats.url}. */
    public static final String DEFAULT_SERVER_URLS = "${nats.url:nats://127.0.0.1:4222}";

    private static final Set<String> SCHEMES = Set.of("nats", "tls", "ws", "wss");

    private final List<String> servers;
    private final String connectionName;
    private final Duration connectTimeout;
    private final int maxReconnects;
    private final Duration reconnectWait;
    private final Duration pingInterval;
    private final long reconnectBufferSize;
    private final String user;
    private final String password;
    private final String token;
    private final Path credentialsFile;
    private final Path nkeySeedFile;
    /** Raw TLS values, for equality; the context built from them is {@link #sslContext}. */
    private final List<String> tls;
    private final SSLContext sslContext;

    private ConnectionSettings(Resolved r) {
        this.servers = Collections.unmodifiableList(r.servers);
        this.connectionName = r.connectionName;
        this.connectTimeout = r.connectTimeout;
        this.maxReconnects = r.maxReconnects;
        this.reconnectWait = r.reconnectWait;
        this.pingInterval = r.pingInterval;
        this.reconnectBufferSize = r.reconnectBufferSize;
        this.user = r.user;
        this.password = r.password;
        this.token = r.token;
        this.credentialsFile = r.credentialsFile;
        this.nkeySeedFile = r.nkeySeedFile;
        this.tls = r.tls;
        this.sslContext = r.sslContext;
    }

    /** The same settings with another user and password: container-managed sign-on. */
    private ConnectionSettings(ConnectionSettings base, String user, String password) {
        this.servers = base.servers;
        this.connectionName = base.connectionName;
        this.connectTimeout = base.connectTimeout;
        this.maxReconnects = base.maxReconnects;
        this.reconnectWait = base.reconnectWait;
        this.pingInterval = base.pingInterval;
        this.reconnectBufferSize = base.reconnectBufferSize;
        this.user = user;
        this.password = password;
        this.token = null;
        this.credentialsFile = null;
        this.nkeySeedFile = null;
        this.tls = base.tls;
        this.sslContext = base.sslContext;
    }

    /**
     * @param signOnUser the user the application server signs connections on as
     * @param signOnPassword its password
     * @return these settings authenticating as that user instead of a configured user/password
     * @throws InvalidPropertyException when a token, credentials file or NKey seed is configured
     *         too: two ways to authenticate
     */
    public ConnectionSettings signedOnAs(String signOnUser, char[] signOnPassword) throws InvalidPropertyException {
        String other = token != null ? TOKEN : credentialsFile != null ? CREDENTIALS_FILE
                : nkeySeedFile != null ? NKEY_SEED_FILE : null;
        if (other != null) {
            throw new InvalidPropertyException("Conflicting authentication: the application server signs connections "
                    + "on as user '" + signOnUser + "' (container-managed sign-on), and property '" + other
                    + "' is set too: set only one way to authenticate");
        }
        return new ConnectionSettings(this, signOnUser, new String(signOnPassword));
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

    /** @return reconnect attempts before the connection closes for good; -1 = forever */
    public int maxReconnects() {
        return maxReconnects;
    }

    /** @return the pause between reconnect attempts */
    public Duration reconnectWait() {
        return reconnectWait;
    }

    /** @return the client ping interval */
    public Duration pingInterval() {
        return pingInterval;
    }

    /** @return bytes buffered while reconnecting */
    public long reconnectBufferSize() {
        return reconnectBufferSize;
    }

    /** @return the user of user/password authentication, or {@code null} */
    public String user() {
        return user;
    }

    /** @return whether connections use TLS with a context from these settings */
    public boolean tls() {
        return sslContext != null;
    }

    /**
     * Builds jnats options for these settings.
     *
     * @param nameSuffix appended to the connection name (e.g. the activation's subject), or {@code null}
     * @param connectionListener receives connection state changes
     * @param errorListener receives asynchronous errors
     * @return a builder the caller may refine further
     */
    public Options.Builder toOptions(String nameSuffix, ConnectionListener connectionListener,
                                     ErrorListener errorListener) {
        Options.Builder b = new Options.Builder()
                .servers(servers.toArray(new String[0]))
                .connectionTimeout(connectTimeout)
                .maxReconnects(maxReconnects)
                .reconnectWait(reconnectWait)
                .pingInterval(pingInterval)
                .reconnectBufferSize(reconnectBufferSize)
                .connectionListener(connectionListener)
                .errorListener(errorListener)
                // jnats would hang on a header value another client sent in UTF-8: see the class.
                .dataPortType(HeaderSanitizingDataPort.class.getName());
        String name = connectionName;
        if (nameSuffix != null) {
            name = name == null ? nameSuffix : name + " " + nameSuffix;
        }
        if (name != null) {
            b.connectionName(name);
        }
        if (user != null) {
            b.userInfo(user.toCharArray(), password == null ? new char[0] : password.toCharArray());
        } else if (token != null) {
            b.token(token.toCharArray());
        } else if (credentialsFile != null) {
            b.authHandler(Nats.credentials(credentialsFile.toString()));
        } else if (nkeySeedFile != null) {
            b.authHandler(Nats.credentials(null, nkeySeedFile.toString()));
        }
        if (sslContext != null) {
            b.sslContext(sslContext);
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
                && connectTimeout.equals(other.connectTimeout) && maxReconnects == other.maxReconnects
                && reconnectWait.equals(other.reconnectWait) && pingInterval.equals(other.pingInterval)
                && reconnectBufferSize == other.reconnectBufferSize && Objects.equals(user, other.user)
                && Objects.equals(password, other.password) && Objects.equals(token, other.token)
                && Objects.equals(credentialsFile, other.credentialsFile)
                && Objects.equals(nkeySeedFile, other.nkeySeedFile) && tls.equals(other.tls);
    }

    @Override
    public int hashCode() {
        return Objects.hash(servers, connectionName, user, connectTimeout, maxReconnects);
    }

    @Override
    public String toString() {
        return "ConnectionSettings[servers=" + redactedServers() + ", connectionName=" + connectionName
                + ", connectTimeout=" + connectTimeout + ", maxReconnects=" + maxReconnects
                + ", reconnectWait=" + reconnectWait + ", pingInterval=" + pingInterval
                + ", reconnectBufferSize=" + reconnectBufferSize + ", auth=" + authDescription()
                + ", tls=" + (sslContext == null ? "off" : "on") + "]";
    }

    private String authDescription() {
        if (user != null) {
            return "user " + user + " password " + (password == null ? "<none>" : "***");
        }
        if (token != null) {
            return "token ***";
        }
        if (credentialsFile != null) {
            return "credentials file " + credentialsFile;
        }
        if (nkeySeedFile != null) {
            return "nkey seed file " + nkeySeedFile;
        }
        return "none";
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

    /** The resolved, checked values {@link Builder#build()} hands to the constructor. */
    private static final class Resolved {
        List<String> servers;
        String connectionName;
        Duration connectTimeout;
        int maxReconnects;
        Duration reconnectWait;
        Duration pingInterval;
        long reconnectBufferSize;
        String user;
        String password;
        String token;
        Path credentialsFile;
        Path nkeySeedFile;
        List<String> tls;
        SSLContext sslContext;
    }

    /**
     * Collects raw property values; {@link #build()} resolves and validates them. Setters ignore
     * {@code null}, so layers can be applied in order: adapter defaults, then the connection
     * definition's or activation's own values.
     */
    public static final class Builder {
        private final Map<String, String> raw = new LinkedHashMap<>();

        private Builder() {
            raw.put(SERVER_URLS, DEFAULT_SERVER_URLS);
        }

        private Builder set(String property, String value) {
            if (value != null && !(property.equals(SERVER_URLS) && value.isBlank())) {
                raw.put(property, value);
            }
            return this;
        }

        /** @param value comma-separated URLs; {@code null} or blank keeps what was set before (default {@value #DEFAULT_SERVER_URLS}) */
        public Builder serverUrls(String value) {
            return set(SERVER_URLS, value);
        }

        /** @param value the client connection name */
        public Builder connectionName(String value) {
            return set(CONNECTION_NAME, value);
        }

        /** @param value milliseconds or ISO-8601 (default 5 s) */
        public Builder connectTimeout(String value) {
            return set(CONNECT_TIMEOUT, value);
        }

        /** @param value reconnect attempts, -1 = forever (default 60) */
        public Builder maxReconnects(String value) {
            return set(MAX_RECONNECTS, value);
        }

        /** @param value milliseconds or ISO-8601 (default 2 s) */
        public Builder reconnectWait(String value) {
            return set(RECONNECT_WAIT, value);
        }

        /** @param value milliseconds or ISO-8601 (default 5 s) */
        public Builder pingInterval(String value) {
            return set(PING_INTERVAL, value);
        }

        /** @param value bytes, 0 or more (default 8 MiB) */
        public Builder reconnectBufferSize(String value) {
            return set(RECONNECT_BUFFER_SIZE, value);
        }

        /** @param value user for user/password authentication */
        public Builder user(String value) {
            return set(USER, value);
        }

        /** @param value password for user/password authentication */
        public Builder password(String value) {
            return set(PASSWORD, value);
        }

        /** @param value token for token authentication */
        public Builder token(String value) {
            return set(TOKEN, value);
        }

        /** @param value path of a .creds file */
        public Builder credentialsFile(String value) {
            return set(CREDENTIALS_FILE, value);
        }

        /** @param value path of a file holding an NKey seed */
        public Builder nkeySeedFile(String value) {
            return set(NKEY_SEED_FILE, value);
        }

        /** @param value path of a trust store (PKCS12 or JKS) */
        public Builder tlsTrustStore(String value) {
            return set(TLS_TRUST_STORE, value);
        }

        /** @param value the trust store's password */
        public Builder tlsTrustStorePassword(String value) {
            return set(TLS_TRUST_STORE_PASSWORD, value);
        }

        /** @param value path of a key store (PKCS12 or JKS) for mutual TLS */
        public Builder tlsKeyStore(String value) {
            return set(TLS_KEY_STORE, value);
        }

        /** @param value the key store's password */
        public Builder tlsKeyStorePassword(String value) {
            return set(TLS_KEY_STORE_PASSWORD, value);
        }

        /** @param value {@code true} to use the JVM's default SSLContext */
        public Builder tlsDefaultContext(String value) {
            return set(TLS_DEFAULT_CONTEXT, value);
        }

        /**
         * @return the validated settings
         * @throws InvalidPropertyException naming the first invalid property and its value (secrets masked)
         */
        public ConnectionSettings build() throws InvalidPropertyException {
            Resolved r = new Resolved();
            String servers = resolve(SERVER_URLS);
            r.servers = new ArrayList<>();
            for (String part : servers.split(",")) {
                String url = part.trim();
                if (url.isEmpty()) {
                    throw PropertyResolver.invalid(SERVER_URLS, redactUrls(servers), "it contains an empty entry");
                }
                checkUrl(url);
                r.servers.add(url);
            }
            r.connectionName = resolve(CONNECTION_NAME);
            r.connectTimeout = duration(CONNECT_TIMEOUT, Duration.ofSeconds(5));
            r.maxReconnects = (int) number(MAX_RECONNECTS, Options.DEFAULT_MAX_RECONNECT, -1, Integer.MAX_VALUE);
            r.reconnectWait = duration(RECONNECT_WAIT, Options.DEFAULT_RECONNECT_WAIT);
            r.pingInterval = duration(PING_INTERVAL, DEFAULT_PING_INTERVAL);
            r.reconnectBufferSize = number(RECONNECT_BUFFER_SIZE, Options.DEFAULT_RECONNECT_BUF_SIZE, 0, Long.MAX_VALUE);

            r.user = resolve(USER);
            r.password = resolve(PASSWORD);
            r.token = resolve(TOKEN);
            r.credentialsFile = readableFile(CREDENTIALS_FILE);
            r.nkeySeedFile = readableFile(NKEY_SEED_FILE);
            if (r.password != null && r.user == null) {
                throw new InvalidPropertyException("Invalid value for property '" + USER
                        + "': none: a password is set but no user");
            }
            List<String> methods = new ArrayList<>();
            if (r.user != null) {
                methods.add(USER + "/" + PASSWORD);
            }
            if (r.token != null) {
                methods.add(TOKEN);
            }
            if (r.credentialsFile != null) {
                methods.add(CREDENTIALS_FILE);
            }
            if (r.nkeySeedFile != null) {
                methods.add(NKEY_SEED_FILE);
            }
            if (methods.size() > 1) {
                throw new InvalidPropertyException("Conflicting authentication properties " + methods
                        + ": set only one way to authenticate");
            }

            Path trustStore = readableFile(TLS_TRUST_STORE);
            String trustStorePassword = resolve(TLS_TRUST_STORE_PASSWORD);
            Path keyStore = readableFile(TLS_KEY_STORE);
            String keyStorePassword = resolve(TLS_KEY_STORE_PASSWORD);
            String defaultContext = resolve(TLS_DEFAULT_CONTEXT);
            boolean useDefault = false;
            if (defaultContext != null) {
                String d = defaultContext.trim().toLowerCase(Locale.ROOT);
                if (!d.equals("true") && !d.equals("false")) {
                    throw PropertyResolver.invalid(TLS_DEFAULT_CONTEXT, defaultContext, "must be true or false");
                }
                useDefault = d.equals("true");
            }
            if (useDefault && (trustStore != null || keyStore != null)) {
                throw new InvalidPropertyException("Conflicting TLS properties: " + TLS_DEFAULT_CONTEXT
                        + "=true uses the JVM's SSLContext; do not also set " + TLS_TRUST_STORE + " or " + TLS_KEY_STORE);
            }
            r.tls = Arrays.asList(String.valueOf(trustStore), trustStorePassword, String.valueOf(keyStore),
                    keyStorePassword, String.valueOf(useDefault));
            r.sslContext = sslContext(useDefault, trustStore, trustStorePassword, keyStore, keyStorePassword);
            return new ConnectionSettings(r);
        }

        /** @return the resolved value, {@code null} when unset or blank */
        private String resolve(String property) throws InvalidPropertyException {
            String v = PropertyResolver.resolve(property, raw.get(property));
            return v == null || v.isBlank() ? null : v;
        }

        private Duration duration(String property, Duration fallback) throws InvalidPropertyException {
            String v = resolve(property);
            return v == null ? fallback : Durations.parsePositive(property, v);
        }

        private long number(String property, long fallback, long min, long max) throws InvalidPropertyException {
            String v = resolve(property);
            if (v == null) {
                return fallback;
            }
            try {
                long n = Long.parseLong(v.trim());
                if (n >= min && n <= max) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // reported below, with the property and value
            }
            throw PropertyResolver.invalid(property, v, "must be a whole number from " + min + " to " + max);
        }

        private Path readableFile(String property) throws InvalidPropertyException {
            String v = resolve(property);
            if (v == null) {
                return null;
            }
            Path p = Path.of(v.trim());
            if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
                throw PropertyResolver.invalid(property, v, "no readable file at that path");
            }
            return p;
        }

        private static SSLContext sslContext(boolean useDefault, Path trustStore, String trustStorePassword,
                                             Path keyStore, String keyStorePassword) throws InvalidPropertyException {
            try {
                if (useDefault) {
                    return SSLContext.getDefault();
                }
                if (trustStore == null && keyStore == null) {
                    return null;
                }
                TrustManager[] trust = null;
                if (trustStore != null) {
                    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                    tmf.init(load(TLS_TRUST_STORE, trustStore, TLS_TRUST_STORE_PASSWORD, trustStorePassword));
                    trust = tmf.getTrustManagers();
                }
                KeyManager[] keys = null;
                if (keyStore != null) {
                    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                    kmf.init(load(TLS_KEY_STORE, keyStore, TLS_KEY_STORE_PASSWORD, keyStorePassword),
                            keyStorePassword == null ? new char[0] : keyStorePassword.toCharArray());
                    keys = kmf.getKeyManagers();
                }
                SSLContext ctx = SSLContext.getInstance("TLS");
                ctx.init(keys, trust, null);
                return ctx;
            } catch (GeneralSecurityException e) {
                throw new InvalidPropertyException("Cannot set up TLS from the tls* properties: " + e.getMessage());
            }
        }

        private static KeyStore load(String property, Path file, String passwordProperty, String password)
                throws InvalidPropertyException {
            try {
                return KeyStore.getInstance(file.toFile(), password == null ? null : password.toCharArray());
            } catch (IOException | GeneralSecurityException e) {
                throw new InvalidPropertyException("Invalid value for property '" + property + "': '" + file
                        + "': cannot open it as a PKCS12 or JKS store with the given '" + passwordProperty + "' ("
                        + e.getMessage() + ")");
            }
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
            if (scheme.equals("opentls")) {
                throw PropertyResolver.invalid(SERVER_URLS, redact(url), "opentls:// accepts any server certificate, "
                        + "so anyone on the network path can pose as the server; use tls:// with tlsTrustStore (or "
                        + "tlsDefaultContext=true and the JVM's trust store)");
            }
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
    }
}
