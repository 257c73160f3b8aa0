package dev.natsjca.outbound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import javax.security.auth.Subject;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.natsjca.testing.NatsServer;
import jakarta.resource.ResourceException;
import jakarta.resource.spi.ManagedConnection;
import jakarta.resource.spi.ManagedConnectionFactory;
import jakarta.resource.spi.SecurityException;
import jakarta.resource.spi.security.PasswordCredential;

/**
 * Container-managed sign-on, the Connectors security contract: the server hands
 * {@code createManagedConnection} a Subject with a password credential for this factory, the
 * connection authenticates with it, and no user is ever handed another user's connection.
 */
class SignOnTest {

    private static NatsServer server;
    private static Path config;
    private final List<ManagedConnection> opened = new ArrayList<>();

    @BeforeAll
    static void startServerWithTwoUsers() throws Exception {
        config = Files.createTempFile("nats-users", ".conf");
        Files.writeString(config, "authorization { users = [ {user: alice, password: alice-secret}, "
                + "{user: bob, password: bob-secret} ] }\n");
        server = NatsServer.start(0, "-c", config.toString());
    }

    @AfterAll
    static void stopServer() throws Exception {
        server.close();
        Files.deleteIfExists(config);
    }

    @AfterEach
    void closeConnections() throws ResourceException {
        for (ManagedConnection mc : opened) {
            mc.destroy();
        }
    }

    private static NatsManagedConnectionFactory factory() {
        NatsManagedConnectionFactory mcf = new NatsManagedConnectionFactory();
        mcf.setServerUrls(server.url());
        mcf.setMaxReconnects("0");
        return mcf;
    }

    /** What a server's container-managed sign-on passes: a Subject with a credential for one factory. */
    private static Subject subject(String user, String password, ManagedConnectionFactory mcf) {
        PasswordCredential pc = new PasswordCredential(user, password.toCharArray());
        pc.setManagedConnectionFactory(mcf);
        Subject s = new Subject();
        s.getPrivateCredentials().add(pc);
        return s;
    }

    private NatsManagedConnection open(NatsManagedConnectionFactory mcf, Subject subject) throws ResourceException {
        NatsManagedConnection mc = (NatsManagedConnection) mcf.createManagedConnection(subject, null);
        opened.add(mc);
        return mc;
    }

    @Test
    void theConnectionAuthenticatesAsTheUserTheServerSignsItOnAs() throws Exception {
        NatsManagedConnectionFactory mcf = factory();
        assertThrows(ResourceException.class, () -> open(mcf, null), "the server requires a user");
        NatsManagedConnection alice = open(mcf, subject("alice", "alice-secret", mcf));
        assertTrue(alice.connected());
        assertEquals("alice", alice.getMetaData().getUserName());
        assertTrue(server.monitor("/connz?auth=1").contains("\"authorized_user\": \"alice\""),
                server.monitor("/connz?auth=1"));
        assertFalse(alice.toString().contains("alice-secret"), alice.toString());
        assertThrows(ResourceException.class, () -> open(mcf, subject("alice", "wrong", mcf)));
    }

    @Test
    void matchingNeverHandsOneUsersConnectionToAnother() throws Exception {
        NatsManagedConnectionFactory mcf = factory();
        NatsManagedConnection alice = open(mcf, subject("alice", "alice-secret", mcf));
        NatsManagedConnection bob = open(mcf, subject("bob", "bob-secret", mcf));
        Set<ManagedConnection> both = new HashSet<>(List.of(alice, bob));
        assertSame(bob, mcf.matchManagedConnections(both, subject("bob", "bob-secret", mcf), null));
        assertSame(alice, mcf.matchManagedConnections(both, subject("alice", "alice-secret", mcf), null));
        assertNull(mcf.matchManagedConnections(Set.of(alice), subject("bob", "bob-secret", mcf), null));
        assertNull(mcf.matchManagedConnections(Set.of(alice), subject("alice", "another password", mcf), null));
        assertNull(mcf.matchManagedConnections(Set.of(alice), null, null),
                "a request without sign-on got a signed-on connection");
    }

    @Test
    void aSignedOnConnectionRefusesToBeHandedToAnotherUser() throws Exception {
        NatsManagedConnectionFactory mcf = factory();
        NatsManagedConnection alice = open(mcf, subject("alice", "alice-secret", mcf));
        assertThrows(SecurityException.class, () -> alice.getConnection(subject("bob", "bob-secret", mcf), null));
        alice.getConnection(subject("alice", "alice-secret", mcf), null); // the same user: fine
    }

    @Test
    void aCredentialForAnotherFactoryOrWithoutAUserIsNoSignOn() throws Exception {
        NatsManagedConnectionFactory mcf = factory();
        NatsManagedConnectionFactory other = factory();
        other.setConnectionName("another pool");
        mcf.setUser("bob");
        mcf.setPassword("bob-secret");
        NatsManagedConnection mc = open(mcf, subject("alice", "alice-secret", other));
        assertEquals("bob", mc.getMetaData().getUserName(), "a credential meant for another factory was used");
        // Payara passes a credential with an empty user when its pool sets none.
        NatsManagedConnection configured = open(mcf, subject("", "", mcf));
        assertEquals("bob", configured.getMetaData().getUserName());
    }

    @Test
    void signOnBesideAnotherConfiguredWayToAuthenticateIsRefused() {
        NatsManagedConnectionFactory mcf = factory();
        mcf.setToken("a-token");
        ResourceException e = assertThrows(ResourceException.class,
                () -> open(mcf, subject("alice", "alice-secret", mcf)));
        assertTrue(e.getMessage().contains("'token'") && !e.getMessage().contains("alice-secret"), e.getMessage());
    }
}
