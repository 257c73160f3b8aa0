package dev.natsjca.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;

import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.jboss.shrinkwrap.api.spec.EnterpriseArchive;
import org.jboss.shrinkwrap.api.spec.JavaArchive;
import org.jboss.shrinkwrap.api.spec.ResourceAdapterArchive;
import org.jboss.shrinkwrap.api.spec.WebArchive;

import dev.natsjca.it.tx.AuditRow;
import dev.natsjca.it.tx.TxBean;
import dev.natsjca.it.tx.TxServlet;

/**
 * A small test application: the RAR, a stateless bean that publishes and writes through JPA on
 * the server's default datasource, and a servlet at {@code /<name>/tx} that drives it. Bound for
 * both servers by their own descriptors.
 */
final class TxApp {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private TxApp() {
    }

    /**
     * @param name application name and context root
     * @param connectionProperties connection-definition properties to set (WildFly: in a copy of
     *        the RAR's ironjacamar.xml; Payara: as pool properties); empty = the RAR as built
     */
    static EnterpriseArchive ear(String name, Map<String, String> connectionProperties) {
        JavaArchive ejb = ShrinkWrap.create(JavaArchive.class, "tx-ejb.jar")
                .addClasses(TxBean.class, AuditRow.class)
                .addAsManifestResource(new StringAsset(PERSISTENCE_XML), "persistence.xml")
                .addAsManifestResource(new StringAsset(JBOSS_EJB3), "jboss-ejb3.xml")
                .addAsManifestResource(new StringAsset(GLASSFISH_EJB_JAR), "glassfish-ejb-jar.xml");
        WebArchive web = ShrinkWrap.create(WebArchive.class, "tx-web.war").addClass(TxServlet.class);
        ResourceAdapterArchive rar = Deployments.rar();
        if (!connectionProperties.isEmpty()) {
            rar.delete("META-INF/ironjacamar.xml");
            rar.addAsManifestResource(new StringAsset(IRONJACAMAR.replace("<!--properties-->",
                    properties(connectionProperties, "      <config-property name=\"%s\">%s</config-property>"))),
                    "ironjacamar.xml");
        }
        return ShrinkWrap.create(EnterpriseArchive.class, name + ".ear")
                .setApplicationXML(new StringAsset(APPLICATION_XML.replace("@NAME@", name)))
                .addAsManifestResource(new StringAsset(GLASSFISH_RESOURCES.replace("@NAME@", name).replace("<!--properties-->",
                        properties(connectionProperties, "    <property name=\"%s\" value=\"%s\"/>"))),
                        "glassfish-resources.xml")
                .addAsModule(rar)
                .addAsModule(ejb)
                .addAsModule(web);
    }

    /** Calls {@code /<name>/tx?op=..&run=..} and returns the body (OK, ROLLED_BACK ..., or a count). */
    static String call(String name, String op, String run) throws Exception {
        URI uri = URI.create(System.getProperty("http.base") + "/" + name + "/tx?op=" + op + "&run=" + run);
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), op + ": " + response.body());
        return response.body();
    }

    private static String properties(Map<String, String> properties, String format) {
        return properties.entrySet().stream().map(e -> String.format(format, e.getKey(), e.getValue()))
                .collect(Collectors.joining("\n"));
    }

    private static final String IRONJACAMAR = """
            <ironjacamar xmlns="http://www.ironjacamar.org/doc/schema">
              <transaction-support>XATransaction</transaction-support>
              <connection-definitions>
                <connection-definition class-name="dev.natsjca.outbound.NatsManagedConnectionFactory"
                                       jndi-name="java:/nats/ConnectionFactory" pool-name="NatsConnectionFactory">
            <!--properties-->
                  <xa-pool><min-pool-size>0</min-pool-size><max-pool-size>20</max-pool-size></xa-pool>
                  <recovery no-recovery="true"/>
                </connection-definition>
              </connection-definitions>
            </ironjacamar>
            """;

    private static final String APPLICATION_XML = """
            <application xmlns="https://jakarta.ee/xml/ns/jakartaee" version="10">
              <application-name>@NAME@</application-name>
              <module><connector>nats-ra.rar</connector></module>
              <module><ejb>tx-ejb.jar</ejb></module>
              <module><web><web-uri>tx-web.war</web-uri><context-root>@NAME@</context-root></web></module>
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
              <connector-connection-pool name="java:app/nats/ConnectionPool" resource-adapter-name="@NAME@#nats-ra"
                  connection-definition-name="dev.natsjca.api.NatsConnectionFactory" transaction-support="XATransaction">
            <!--properties-->
              </connector-connection-pool>
              <connector-resource jndi-name="java:app/nats/ConnectionFactory" pool-name="java:app/nats/ConnectionPool"/>
            </resources>
            """;
}
