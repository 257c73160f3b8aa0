package dev.natsjca.outbound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.natsjca.api.NatsConnection;
import dev.natsjca.testing.NatsServer;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.NKey;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.Subscription;
import jakarta.resource.ResourceException;
import jakarta.resource.spi.InvalidPropertyException;

/**
 * Authentication and TLS settings against nats-servers configured for them. The TLS certificate
 * is made by the test itself (openssl for the server's PEM files, keytool for the client's trust
 * store).
 */
class AuthAndTlsTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String STORE_PASSWORD = "st0re-pass";

    @TempDir
    static Path dir;

    private static Path cert;
    private static Path key;
    private static Path trustStore;

    @BeforeAll
    static void makeCertificate() throws Exception {
        cert = dir.resolve("server-cert.pem");
        key = dir.resolve("server-key.pem");
        trustStore = dir.resolve("trust.p12");
        run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                "-keyout", key.toString(), "-out", cert.toString());
        run("keytool", "-importcert", "-noprompt", "-alias", "nats-test", "-file", cert.toString(),
                "-keystore", trustStore.toString(), "-storetype", "PKCS12", "-storepass", STORE_PASSWORD);
    }

    private static NatsManagedConnectionFactory factory(String url) {
        NatsManagedConnectionFactory mcf = new NatsManagedConnectionFactory();
        mcf.setServerUrls(url);
        mcf.setConnectTimeout("2000");
        return mcf;
    }

    /** Publishes through a managed connection and sees the message arrive at {@code observer}. */
    private static void assertPublishes(NatsManagedConnectionFactory mcf, Connection observer) throws Exception {
        Subscription sub = observer.subscribe("auth.check");
        observer.flush(WAIT);
        NatsManagedConnection mc = (NatsManagedConnection) mcf.createManagedConnection(null, null);
        try (NatsConnection handle = (NatsConnection) mc.getConnection(null, null)) {
            handle.publish("auth.check", "ok".getBytes(StandardCharsets.US_ASCII));
        } finally {
            mc.destroy();
        }
        Message m = sub.nextMessage(WAIT);
        assertTrue(m != null && "ok".equals(new String(m.getData(), StandardCharsets.US_ASCII)), "not received");
    }

    @Test
    void userAndPassword() throws Exception {
        try (NatsServer server = NatsServer.start(0, "--user", "alice", "--pass", "s3cret-pw");
             Connection observer = Nats.connect(new Options.Builder().server(server.url())
                     .userInfo("alice", "s3cret-pw").build())) {
            NatsManagedConnectionFactory mcf = factory(server.url());
            mcf.setUser("alice");
            mcf.setPassword("s3cret-pw");
            assertPublishes(mcf, observer);
            assertFalse(mcf.toString().contains("s3cret-pw"), mcf.toString());
        }
    }

    @Test
    void wrongPasswordFailsClearlyWithoutShowingIt() throws Exception {
        try (NatsServer server = NatsServer.start(0, "--user", "alice", "--pass", "s3cret-pw")) {
            NatsManagedConnectionFactory mcf = factory(server.url());
            mcf.setUser("alice");
            mcf.setPassword("wr0ng-pw");
            ResourceException e = assertThrows(ResourceException.class, () -> mcf.createManagedConnection(null, null));
            String all = e + " " + e.getCause();
            assertTrue(all.toLowerCase(Locale.ROOT).contains("authorization"), all);
            assertTrue(all.contains(server.url()), "should name the server: " + all);
            assertFalse(all.contains("wr0ng-pw"), all);
        }
    }

    @Test
    void token() throws Exception {
        try (NatsServer server = NatsServer.start(0, "--auth", "t0ken-value");
             Connection observer = Nats.connect(new Options.Builder().server(server.url()).token("t0ken-value".toCharArray()).build())) {
            NatsManagedConnectionFactory mcf = factory(server.url());
            mcf.setToken("t0ken-value");
            assertPublishes(mcf, observer);
            assertFalse(mcf.toString().contains("t0ken-value"), mcf.toString());

            NatsManagedConnectionFactory wrong = factory(server.url());
            wrong.setToken("other");
            assertThrows(ResourceException.class, () -> wrong.createManagedConnection(null, null));
        }
    }

    @Test
    void nkeySeedFile() throws Exception {
        NKey user = NKey.createUser(null);
        Path seed = dir.resolve("user.nk");
        Files.writeString(seed, new String(user.getSeed()));
        Path conf = dir.resolve("nkey.conf");
        Files.writeString(conf, "authorization { users = [ { nkey: " + new String(user.getPublicKey()) + " } ] }\n");
        try (NatsServer server = NatsServer.start(0, "-c", conf.toString());
             Connection observer = Nats.connect(new Options.Builder().server(server.url())
                     .authHandler(Nats.credentials(null, seed.toString())).build())) {
            NatsManagedConnectionFactory mcf = factory(server.url());
            mcf.setNkeySeedFile(seed.toString());
            assertPublishes(mcf, observer);
        }
    }

    @Test
    void tlsWithATrustStoreTheTestMade() throws Exception {
        try (NatsServer server = NatsServer.start(0, "--tls", "--tlscert", cert.toString(), "--tlskey", key.toString());
             Connection observer = Nats.connect(new Options.Builder().server("tls://127.0.0.1:" + server.port())
                     .sslContext(io.nats.client.support.SSLUtils.createTrustAllTlsContext()).build())) {
            NatsManagedConnectionFactory mcf = factory("tls://127.0.0.1:" + server.port());
            mcf.setTlsTrustStore(trustStore.toString());
            mcf.setTlsTrustStorePassword(STORE_PASSWORD);
            assertPublishes(mcf, observer);

            // Without the trust store the server's certificate is not trusted.
            NatsManagedConnectionFactory untrusted = factory("tls://127.0.0.1:" + server.port());
            untrusted.setTlsDefaultContext("true");
            assertThrows(ResourceException.class, () -> untrusted.createManagedConnection(null, null));
        }
    }

    @Test
    void badTlsStorePasswordIsNamedButNotShown() {
        NatsManagedConnectionFactory mcf = factory("tls://127.0.0.1:4222");
        mcf.setTlsTrustStore(trustStore.toString());
        mcf.setTlsTrustStorePassword("n0t-the-pass");
        InvalidPropertyException e = assertThrows(InvalidPropertyException.class, mcf::settings);
        assertTrue(e.getMessage().contains("'tlsTrustStore'") && e.getMessage().contains("'tlsTrustStorePassword'"),
                e.getMessage());
        assertFalse(e.getMessage().contains("n0t-the-pass"), e.getMessage());
    }

    @Test
    void conflictingAuthenticationIsRejected() {
        NatsManagedConnectionFactory mcf = factory("nats://127.0.0.1:4222");
        mcf.setUser("alice");
        mcf.setToken("t");
        InvalidPropertyException e = assertThrows(InvalidPropertyException.class, mcf::settings);
        assertTrue(e.getMessage().contains("user/password") && e.getMessage().contains("token"), e.getMessage());
    }

    @Test
    void missingCredentialsFileIsNamed() {
        NatsManagedConnectionFactory mcf = factory("nats://127.0.0.1:4222");
        mcf.setCredentialsFile(dir.resolve("absent.creds").toString());
        InvalidPropertyException e = assertThrows(InvalidPropertyException.class, mcf::settings);
        assertTrue(e.getMessage().contains("'credentialsFile'") && e.getMessage().contains("absent.creds"),
                e.getMessage());
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "timed out: " + List.of(command));
        assertEquals(0, p.exitValue(), List.of(command) + ": " + new String(out, StandardCharsets.UTF_8));
    }
}
