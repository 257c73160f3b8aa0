package dev.natsjca.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.jboss.shrinkwrap.api.spec.EnterpriseArchive;
import org.jboss.shrinkwrap.api.spec.JavaArchive;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.natsjca.it.tx.AuditRow;
import dev.natsjca.it.tx.TxBean;
import dev.natsjca.it.tx.TxServlet;
import dev.natsjca.testing.Await;
import dev.natsjca.testing.NatsServer;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;

/**
 * Container-managed sign-on: the application names no user and no password; the server signs
 * the adapter's connections on, WildFly from an Elytron credential store through an
 * authentication context the connection definition names, Payara from its pool's settings.
 */
@ExtendWith({SignOnNatsServer.class, ArquillianExtension.class})
class SignOnIT {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String APP = "signonapp";

    @Deployment(testable = false)
    static EnterpriseArchive app() {
        JavaArchive ejb = ShrinkWrap.create(JavaArchive.class, "signon-ejb.jar").addClasses(TxBean.class, AuditRow.class)
                .addAsManifestResource(new StringAsset(TxApp.PERSISTENCE_XML), "persistence.xml");
        WebArchive web = ShrinkWrap.create(WebArchive.class, "signon-web.war").addClass(TxServlet.class);
        // Payara: the pool's user and password (in production, a password alias: ${ALIAS=...}).
        // WildFly: none in the RAR; the authentication context nats-signon (see sign-on.cli).
        return TestEar.ear(APP, ejb, List.of(new TestEar.Bean("TxBean", false, true)), web,
                Map.of("user", SignOnNatsServer.USER, "password", SignOnNatsServer.PASSWORD), "nats-signon");
    }

    @Test
    void theServerSignsTheAdaptersConnectionsOnAndTheyPublish(NatsServer nats) throws Exception {
        String run = UUID.randomUUID().toString().replace("-", "");
        ServerLog log = ServerLog.markNow();
        try (Connection client = Nats.connect(new Options.Builder().server(nats.url())
                .userInfo(SignOnNatsServer.OBSERVER, SignOnNatsServer.OBSERVER_PASSWORD).build());
             Receiver r = new Receiver(client, "tx.it." + run)) {
            assertEquals("OK", TxApp.call(APP, "three", run));
            Await.until(WAIT, "three messages through a signed-on connection", () -> r.messages().size() == 3);
            assertEquals(List.of("1", "2", "3"), r.messages().stream().map(Message::getData)
                    .map(b -> new String(b, StandardCharsets.UTF_8)).collect(Collectors.toList()));
        }
        assertTrue(nats.monitor("/connz?auth=1").contains("\"authorized_user\": \"" + SignOnNatsServer.USER + "\""),
                nats.monitor("/connz?auth=1"));
        Await.until(WAIT, "the adapter's log line for the container's sign-on", () -> log.sinceMark()
                .contains("signed on as user '" + SignOnNatsServer.USER + "' by the application server"));
        assertTrue(!log.sinceMark().contains(SignOnNatsServer.PASSWORD), "the password reached the server log");
    }
}
