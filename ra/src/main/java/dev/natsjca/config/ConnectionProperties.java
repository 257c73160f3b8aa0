package dev.natsjca.config;

import java.io.Serializable;
import java.util.Objects;

import jakarta.resource.spi.ConfigProperty;

/**
 * The connection properties shared by the resource adapter (defaults), the connection definition
 * and the activation spec (overrides). One declaration serves all three; {@link #applyTo} layers
 * the values that are set onto a {@link ConnectionSettings.Builder}, which resolves and
 * validates them. Unset ({@code null}) means inherited.
 *
 * <p>No {@code defaultValue} in these annotations: WildFly resolves {@code ${...}} in annotation
 * defaults itself, from system properties only, before the adapter sees them.
 */
public abstract class ConnectionProperties implements Serializable {

    private static final long serialVersionUID = 1L;

    @ConfigProperty(description = "Comma-separated NATS server URLs; default ${nats.url:nats://127.0.0.1:4222} "
            + "(MicroProfile Config key nats.url, environment NATS_URL)")
    private String serverUrls;

    @ConfigProperty(description = "Client connection name shown in the NATS server's monitoring")
    private String connectionName;

    @ConfigProperty(description = "User for user/password authentication")
    private String user;

    @ConfigProperty(description = "Password for user/password authentication", confidential = true)
    private String password;

    @ConfigProperty(description = "Connect timeout: milliseconds or ISO-8601 (PT5S)")
    private String connectTimeout;

    /**
     * @param builder settings collected so far (e.g. the adapter's defaults)
     * @return the same builder with every property set here layered on top
     */
    public ConnectionSettings.Builder applyTo(ConnectionSettings.Builder builder) {
        return builder.serverUrls(serverUrls).connectionName(connectionName).user(user).password(password)
                .connectTimeout(connectTimeout);
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

    public String getConnectTimeout() {
        return connectTimeout;
    }

    public void setConnectTimeout(String connectTimeout) {
        this.connectTimeout = connectTimeout;
        propertiesChanged();
    }

    /** Called after any property changes, for subclasses that cache what they derive from them. */
    protected void propertiesChanged() {
    }

    /** @return whether {@code other} has the same connection properties */
    protected final boolean sameConnectionProperties(ConnectionProperties other) {
        return Objects.equals(serverUrls, other.serverUrls) && Objects.equals(connectionName, other.connectionName)
                && Objects.equals(user, other.user) && Objects.equals(password, other.password)
                && Objects.equals(connectTimeout, other.connectTimeout);
    }

    /** @return a hash of the connection properties, secrets left out */
    protected final int connectionPropertiesHash() {
        return Objects.hash(serverUrls, connectionName, user, connectTimeout);
    }

    /** @return the connection properties for {@code toString}, secrets masked */
    protected final String describeConnectionProperties() {
        return "serverUrls=" + ConnectionSettings.redactUrls(serverUrls) + ", connectionName=" + connectionName
                + ", user=" + user + ", password=" + (password == null ? "<none>" : "***")
                + ", connectTimeout=" + connectTimeout;
    }
}
