package dev.natsjca.config;

import java.io.Serializable;
import java.util.Objects;

import jakarta.resource.spi.ConfigProperty;

/**
 * The connection properties shared by the resource adapter (defaults), the connection definition
 * and the activation spec (overrides). One declaration serves all three; {@link #applyTo} layers
 * the values that are set onto a {@link ConnectionSettings.Builder}, which resolves
 * ({@code ${key}} / {@code ${key:default}} through MicroProfile Config) and validates them.
 * Unset ({@code null}) means inherited. The README's configuration table lists them.
 *
 * <p>No {@code defaultValue} in these annotations: WildFly resolves {@code ${...}} in annotation
 * defaults itself, from system properties only, before the adapter sees them; the defaults live in
 * {@link ConnectionSettings}.
 *
 * <p>Not abstract, though only its subclasses are used: Payara instantiates the class that declares
 * a {@code @ConfigProperty} field to read its initial value, and logs a warning with a stack trace
 * for every field of a class it cannot instantiate (some two hundred lines per deployment).
 */
public class ConnectionProperties implements Serializable {

    private static final long serialVersionUID = 1L;

    @ConfigProperty(description = "Comma-separated NATS server URLs (nats://, tls://, ws://, wss:// or host:port); default ${nats.url:nats://127.0.0.1:4222}")
    private String serverUrls;

    @ConfigProperty(description = "Client connection name shown in the NATS server's monitoring")
    private String connectionName;

    @ConfigProperty(description = "Timeout of one connection attempt: milliseconds or ISO-8601 (PT5S); default 5 s")
    private String connectTimeout;

    @ConfigProperty(description = "Reconnect attempts after a connection is lost before it is closed for good; -1 = forever; default 60")
    private String maxReconnects;

    @ConfigProperty(description = "Pause between reconnect attempts to the same server: milliseconds or ISO-8601; default 2 s")
    private String reconnectWait;

    @ConfigProperty(description = "Interval of client pings that detect a dead connection (two unanswered: reconnect): milliseconds or ISO-8601; default 5 s")
    private String pingInterval;

    @ConfigProperty(description = "Bytes of outgoing messages held while reconnecting (0 = none: publishing fails at once); default 8388608")
    private String reconnectBufferSize;

    @ConfigProperty(description = "User for user/password authentication")
    private String user;

    @ConfigProperty(description = "Password for user/password authentication", confidential = true)
    private String password;

    @ConfigProperty(description = "Token for token authentication", confidential = true)
    private String token;

    @ConfigProperty(description = "Path of a NATS credentials (.creds) file: JWT plus NKey seed")
    private String credentialsFile;

    @ConfigProperty(description = "Path of a file holding an NKey seed (SU...) for NKey authentication")
    private String nkeySeedFile;

    @ConfigProperty(description = "Trust store (PKCS12 or JKS) with the certificates that sign the servers'; turns TLS on")
    private String tlsTrustStore;

    @ConfigProperty(description = "Password of tlsTrustStore", confidential = true)
    private String tlsTrustStorePassword;

    @ConfigProperty(description = "Key store (PKCS12 or JKS) with the client certificate for mutual TLS; turns TLS on")
    private String tlsKeyStore;

    @ConfigProperty(description = "Password of tlsKeyStore (and of its key)", confidential = true)
    private String tlsKeyStorePassword;

    @ConfigProperty(description = "true = TLS with the JVM's default SSLContext (javax.net.ssl.* system properties); default false")
    private String tlsDefaultContext;

    /**
     * @param builder settings collected so far (e.g. the adapter's defaults)
     * @return the same builder with every property set here layered on top
     */
    public ConnectionSettings.Builder applyTo(ConnectionSettings.Builder builder) {
        return builder
                .serverUrls(serverUrls)
                .connectionName(connectionName)
                .connectTimeout(connectTimeout)
                .maxReconnects(maxReconnects)
                .reconnectWait(reconnectWait)
                .pingInterval(pingInterval)
                .reconnectBufferSize(reconnectBufferSize)
                .user(user)
                .password(password)
                .token(token)
                .credentialsFile(credentialsFile)
                .nkeySeedFile(nkeySeedFile)
                .tlsTrustStore(tlsTrustStore)
                .tlsTrustStorePassword(tlsTrustStorePassword)
                .tlsKeyStore(tlsKeyStore)
                .tlsKeyStorePassword(tlsKeyStorePassword)
                .tlsDefaultContext(tlsDefaultContext);
    }

    public String getServerUrls() {
        return serverUrls;
    }

    public void setServerUrls(String serverUrls) {
        this.serverUrls = serverUrls;
        propertiesChanged();
    }

    public String getConnectionName() {
        return connectionName;
    }

    public void setConnectionName(String connectionName) {
        this.connectionName = connectionName;
        propertiesChanged();
    }

    public String getConnectTimeout() {
        return connectTimeout;
    }

    public void setConnectTimeout(String connectTimeout) {
        this.connectTimeout = connectTimeout;
        propertiesChanged();
    }

    public String getMaxReconnects() {
        return maxReconnects;
    }

    public void setMaxReconnects(String maxReconnects) {
        this.maxReconnects = maxReconnects;
        propertiesChanged();
    }

    public String getReconnectWait() {
        return reconnectWait;
    }

    public void setReconnectWait(String reconnectWait) {
        this.reconnectWait = reconnectWait;
        propertiesChanged();
    }

    public String getPingInterval() {
        return pingInterval;
    }

    public void setPingInterval(String pingInterval) {
        this.pingInterval = pingInterval;
        propertiesChanged();
    }

    public String getReconnectBufferSize() {
        return reconnectBufferSize;
    }

    public void setReconnectBufferSize(String reconnectBufferSize) {
        this.reconnectBufferSize = reconnectBufferSize;
        propertiesChanged();
    }

    public String getUser() {
        return user;
    }

    public void setUser(String user) {
        this.user = user;
        propertiesChanged();
    }

    public String getPassword() {
        return password;
    }

    public void setPassword(String password) {
        this.password = password;
        propertiesChanged();
    }

    public String getToken() {
        return token;
    }

    public void setToken(String token) {
        this.token = token;
        propertiesChanged();
    }

    public String getCredentialsFile() {
        return credentialsFile;
    }

    public void setCredentialsFile(String credentialsFile) {
        this.credentialsFile = credentialsFile;
        propertiesChanged();
    }

    public String getNkeySeedFile() {
        return nkeySeedFile;
    }

    public void setNkeySeedFile(String nkeySeedFile) {
        this.nkeySeedFile = nkeySeedFile;
        propertiesChanged();
    }

    public String getTlsTrustStore() {
        return tlsTrustStore;
    }

    public void setTlsTrustStore(String tlsTrustStore) {
        this.tlsTrustStore = tlsTrustStore;
        propertiesChanged();
    }

    public String getTlsTrustStorePassword() {
        return tlsTrustStorePassword;
    }

    public void setTlsTrustStorePassword(String tlsTrustStorePassword) {
        this.tlsTrustStorePassword = tlsTrustStorePassword;
        propertiesChanged();
    }

    public String getTlsKeyStore() {
        return tlsKeyStore;
    }

    public void setTlsKeyStore(String tlsKeyStore) {
        this.tlsKeyStore = tlsKeyStore;
        propertiesChanged();
    }

    public String getTlsKeyStorePassword() {
        return tlsKeyStorePassword;
    }

    public void setTlsKeyStorePassword(String tlsKeyStorePassword) {
        this.tlsKeyStorePassword = tlsKeyStorePassword;
        propertiesChanged();
    }

    public String getTlsDefaultContext() {
        return tlsDefaultContext;
    }

    public void setTlsDefaultContext(String tlsDefaultContext) {
        this.tlsDefaultContext = tlsDefaultContext;
        propertiesChanged();
    }

    /** Called after any property changes, for subclasses that cache what they derive from them. */
    protected void propertiesChanged() {
    }

    /** @return whether {@code other} has the same connection properties */
    protected final boolean sameConnectionProperties(ConnectionProperties other) {
        return Objects.equals(serverUrls, other.serverUrls)
                && Objects.equals(connectionName, other.connectionName)
                && Objects.equals(connectTimeout, other.connectTimeout)
                && Objects.equals(maxReconnects, other.maxReconnects)
                && Objects.equals(reconnectWait, other.reconnectWait)
                && Objects.equals(pingInterval, other.pingInterval)
                && Objects.equals(reconnectBufferSize, other.reconnectBufferSize)
                && Objects.equals(user, other.user)
                && Objects.equals(password, other.password)
                && Objects.equals(token, other.token)
                && Objects.equals(credentialsFile, other.credentialsFile)
                && Objects.equals(nkeySeedFile, other.nkeySeedFile)
                && Objects.equals(tlsTrustStore, other.tlsTrustStore)
                && Objects.equals(tlsTrustStorePassword, other.tlsTrustStorePassword)
                && Objects.equals(tlsKeyStore, other.tlsKeyStore)
                && Objects.equals(tlsKeyStorePassword, other.tlsKeyStorePassword)
                && Objects.equals(tlsDefaultContext, other.tlsDefaultContext);
    }

    /** @return a hash of the connection properties, secrets left out */
    protected final int connectionPropertiesHash() {
        return Objects.hash(serverUrls, connectionName, connectTimeout, maxReconnects, reconnectWait, pingInterval, reconnectBufferSize, user, credentialsFile, nkeySeedFile, tlsTrustStore, tlsKeyStore, tlsDefaultContext);
    }

    /** @return the connection properties for {@code toString}, secrets masked */
    protected final String describeConnectionProperties() {
        return "serverUrls=" + ConnectionSettings.redactUrls(serverUrls)
                + ", " + "connectionName=" + connectionName
                + ", " + "connectTimeout=" + connectTimeout
                + ", " + "maxReconnects=" + maxReconnects
                + ", " + "reconnectWait=" + reconnectWait
                + ", " + "pingInterval=" + pingInterval
                + ", " + "reconnectBufferSize=" + reconnectBufferSize
                + ", " + "user=" + user
                + ", " + "password=" + (password == null ? "<none>" : "***")
                + ", " + "token=" + (token == null ? "<none>" : "***")
                + ", " + "credentialsFile=" + credentialsFile
                + ", " + "nkeySeedFile=" + nkeySeedFile
                + ", " + "tlsTrustStore=" + tlsTrustStore
                + ", " + "tlsTrustStorePassword=" + (tlsTrustStorePassword == null ? "<none>" : "***")
                + ", " + "tlsKeyStore=" + tlsKeyStore
                + ", " + "tlsKeyStorePassword=" + (tlsKeyStorePassword == null ? "<none>" : "***")
                + ", " + "tlsDefaultContext=" + tlsDefaultContext;
    }
}
