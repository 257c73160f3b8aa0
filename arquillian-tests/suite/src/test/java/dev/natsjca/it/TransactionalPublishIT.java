package dev.natsjca.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.jboss.shrinkwrap.api.spec.EnterpriseArchive;
import org.jboss.shrinkwrap.api.spec.JavaArchive;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.natsjca.it.tx.AuditRow;
import dev.natsjca.it.tx.TxBean;
import dev.natsjca.it.tx.TxServlet;
import dev.natsjca.testing.Await;
import dev.natsjca.testing.NatsServer;
import dev.natsjca.testing.NatsServerExtension;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;

/**
 * Publishes inside container-managed JTA transactions, alone and beside JPA on the server's
 * default (non-XA) datasource, with the transaction manager's default settings: messages leave at
 * commit, in order; a rollback sends nothing; a failed send rolls the database back; a failed
 * flush sends nothing.
 */
@ExtendWith({NatsServerExtension.class, ArquillianExtension.class})
class TransactionalPublishIT {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @Deployment(testable = false)
    static EnterpriseArchive txApp() {
        JavaArchive ejb = ShrinkWrap.create(JavaArchive.class, "tx-ejb.jar")
                .addClasses(TxBean.class, AuditRow.class)
                .addAsManifestResource(new StringAsset(PERSISTENCE_XML), "persistence.xml")
                .addAsManifestResource(new StringAsset(JBOSS_EJB3), "jboss-ejb3.xml")
                .addAsManifestResource(new StringAsset(GLASSFISH_EJB_JAR), "glassfish-ejb-jar.xml");
        WebArchive web = ShrinkWrap.create(WebArchive.class, "tx-web.war").addClass(TxServlet.class);
        return ShrinkWrap.create(EnterpriseArchive.class, "txapp.ear")
                .setApplicationXML(new StringAsset(APPLICATION_XML))
                .addAsManifestResource(new StringAsset(GLASSFISH_RESOURCES), "glassfish-resources.xml")
                .addAsModule(Deployments.rar())
                .addAsModule(ejb)
                .addAsModule(web);
    }

    private Connection client;
    private String run;

    @BeforeEach
    void connect(NatsServer nats) throws Exception {
        client = Nats.connect(new Options.Builder().server(nats.url()).maxReconnects(-1)
                .reconnectWait(Duration.ofMillis(100)).build());
        run = UUID.randomUUID().toString().replace("-", "");
    }

    @AfterEach
    void disconnect() throws Exception {
        client.close();
    }

    @Test
    void commitSendsAllThreeInOrder() throws Exception {
        try (Receiver r = new Receiver(client, subject())) {
            assertEquals("OK", call("three"));
            Await.until(WAIT, () -> "three messages, got " + bodies(r), () -> r.messages().size() == 3);
            assertEquals(List.of("1", "2", "3"), bodies(r));
        }
    }

    @Test
    void exceptionRollsBackAndNothingIsSent() throws Exception {
        try (Receiver r = new Receiver(client, subject())) {
            assertTrue(call("throw").startsWith("ROLLED_BACK"));
            assertOnlySentinelArrives(r);
        }
    }

    @Test
    void setRollbackOnlySendsNothing() throws Exception {
        try (Receiver r = new Receiver(client, subject())) {
            call("rollbackOnly");
            assertOnlySentinelArrives(r);
        }
    }

    @Test
    void withJpaOnTheDefaultDatasourceCommitStoresTheRowAndSendsTheMessage() throws Exception {
        try (Receiver r = new Receiver(client, subject())) {
            assertEquals("OK", call("persist"));
            Await.until(WAIT, () -> "the message, got " + bodies(r), () -> bodies(r).contains("row"));
            assertEquals("1", call("rows"));
        }
    }

    @Test
    void withJpaRollbackStoresNothingAndSendsNothing() throws Exception {
        try (Receiver r = new Receiver(client, subject())) {
            assertTrue(call("persistThenThrow").startsWith("ROLLED_BACK"));
            assertOnlySentinelArrives(r);
            assertEquals("0", call("rows"));
        }
    }

    @Test
    void constraintViolationAtFlushSendsNothing() throws Exception {
        try (Receiver r = new Receiver(client, subject())) {
            String result = call("constraint");
            assertTrue(result.startsWith("ROLLED_BACK"), result);
            assertOnlySentinelArrives(r);
            assertEquals("0", call("rows"));
        }
    }

    @Test
    void natsDownAtCommitRollsTheDatabaseBackAndTheCallerSeesIt(NatsServer nats) throws Exception {
        try (Receiver r = new Receiver(client, subject())) {
            nats.stop();
            try {
                String result = call("persist");
                assertTrue(result.startsWith("ROLLED_BACK"), "the caller must see the failed commit: " + result);
            } finally {
                nats.startAgain();
            }
            assertEquals("0", call("rows"), "the row was committed although the messages were not sent");
            Await.until(WAIT, "observer reconnected", () -> client.getStatus() == Connection.Status.CONNECTED);
            client.flush(WAIT); // its subscription is back at the server before the sentinel is sent
            assertOnlySentinelArrives(r);
        }
    }

    /**
     * Rolled-back messages are never written, so a sentinel published afterwards outside any
     * transaction is all that ever arrives.
     */
    private void assertOnlySentinelArrives(Receiver r) throws Exception {
        assertEquals("OK", call("sentinel"));
        Await.until(WAIT, () -> "sentinel, got " + bodies(r), () -> bodies(r).contains("sentinel"));
        assertEquals(List.of("sentinel"), bodies(r), "messages of a rolled-back transaction were sent");
    }

    private String subject() {
        return "tx.it." + run;
    }

    private static List<String> bodies(Receiver r) {
        return r.messages().stream().map(Message::getData).map(b -> new String(b, StandardCharsets.UTF_8))
                .collect(Collectors.toList());
    }

    private String call(String op) throws Exception {
        URI uri = URI.create(System.getProperty("http.base") + "/txapp/tx?op=" + op + "&run=" + run);
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), op + ": " + response.body());
        return response.body();
    }

    private static final String APPLICATION_XML = """
            <application xmlns="https://jakarta.ee/xml/ns/jakartaee" version="10">
              <application-name>txapp</application-name>
              <module><connector>nats-ra.rar</connector></module>
              <module><ejb>tx-ejb.jar</ejb></module>
              <module><web><web-uri>tx-web.war</web-uri><context-root>txapp</context-root></web></module>
            </application>
            """;

    /** No jta-data-source: the server's default datasource (WildFly ExampleDS, Payara jdbc/__default), non-XA. */
    private static final String PERSISTENCE_XML = """
            <persistence xmlns="https://jakarta.ee/xml/ns/persistence" version="3.0">
              <persistence-unit name="tx" transaction-type="JTA">
                <class>dev.natsjca.it.tx.AuditRow</class>
                <exclude-unlisted-classes>true</exclude-unlisted-classes>
                <properties>
                  <property name="jakarta.persistence.schema-generation.database.action" value="drop-and-create"/>
                </properties>
              </persistence-unit>
            </persistence>
            """;

    private static final String JBOSS_EJB3 = """
            <jboss:ejb-jar xmlns:jboss="urn:jboss:jakartaee:1.0" xmlns="https://jakarta.ee/xml/ns/jakartaee"
                           version="4.0" impl-version="2.0">
              <enterprise-beans>
                <session>
                  <ejb-name>TxBean</ejb-name>
                  <resource-ref>
                    <res-ref-name>nats/ConnectionFactory</res-ref-name>
                    <lookup-name>java:/nats/ConnectionFactory</lookup-name>
                  </resource-ref>
                </session>
              </enterprise-beans>
            </jboss:ejb-jar>
            """;

    private static final String GLASSFISH_EJB_JAR = """
            <glassfish-ejb-jar>
              <enterprise-beans>
                <ejb>
                  <ejb-name>TxBean</ejb-name>
                  <resource-ref>
                    <res-ref-name>nats/ConnectionFactory</res-ref-name>
                    <jndi-name>java:app/nats/ConnectionFactory</jndi-name>
                  </resource-ref>
                </ejb>
              </enterprise-beans>
            </glassfish-ejb-jar>
            """;

    private static final String GLASSFISH_RESOURCES = """
            <!DOCTYPE resources PUBLIC "-//GlassFish.org//DTD GlassFish Application Server 3.1 Resource Definitions//EN"
                    "http://glassfish.org/dtds/glassfish-resources_1_5.dtd">
            <resources>
              <connector-connection-pool name="java:app/nats/ConnectionPool" resource-adapter-name="txapp#nats-ra"
                  connection-definition-name="dev.natsjca.api.NatsConnectionFactory" transaction-support="XATransaction"/>
              <connector-resource jndi-name="java:app/nats/ConnectionFactory" pool-name="java:app/nats/ConnectionPool"/>
            </resources>
            """;
}
