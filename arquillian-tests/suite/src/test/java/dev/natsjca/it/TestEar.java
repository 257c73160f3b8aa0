package dev.natsjca.it;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.jboss.shrinkwrap.api.spec.EnterpriseArchive;
import org.jboss.shrinkwrap.api.spec.JavaArchive;
import org.jboss.shrinkwrap.api.spec.ResourceAdapterArchive;
import org.jboss.shrinkwrap.api.spec.WebArchive;

/**
 * Assembles a test application around the RAR as built, bound for both servers the way the README
 * tells users to: WildFly through {@code jboss-ejb3.xml} (MDBs to {@code #nats-ra.rar}, the
 * reference {@code nats/ConnectionFactory} to {@code java:/nats/ConnectionFactory}), Payara through
 * {@code glassfish-ejb-jar.xml} ({@code <app>#nats-ra}, {@code java:app/nats/ConnectionFactory})
 * and an application-scoped pool in {@code glassfish-resources.xml}. One place for those
 * conventions, so the test applications differ only in what they test.
 */
final class TestEar {

    /**
     * An enterprise bean the descriptors must mention.
     *
     * @param txTimeoutSeconds the timeout of the container-managed transactions its methods start,
     *        0 for the server's default (WildFly: jboss-ejb3.xml trans-timeout; Payara:
     *        glassfish-ejb-jar.xml cmt-timeout-in-seconds)
     */
    record Bean(String name, boolean messageDriven, boolean usesFactory, int txTimeoutSeconds) {
        Bean(String name, boolean messageDriven, boolean usesFactory) {
            this(name, messageDriven, usesFactory, 0);
        }
    }

    private TestEar() {
    }

    /**
     * @param app application name (and web context root)
     * @param ejb the EJB module; the descriptors are added to it
     * @param beans the beans that are MDBs or use {@code nats/ConnectionFactory}
     * @param web a web module, or {@code null}
     * @param connectionProperties connection-definition properties (WildFly: in a copy of the RAR's
     *        ironjacamar.xml; Payara: pool properties); empty = the RAR as built
     */
    static EnterpriseArchive ear(String app, JavaArchive ejb, List<Bean> beans, WebArchive web,
                                 Map<String, String> connectionProperties) {
        return ear(app, ejb, beans, web, connectionProperties, null);
    }

    /**
     * @param wildflySecurityDomain WildFly: the Elytron authentication context the connection
     *        definition signs on with (container-managed sign-on), or {@code null}; on Payara the
     *        pool's {@code user}/{@code password} properties do that
     */
    static EnterpriseArchive ear(String app, JavaArchive ejb, List<Bean> beans, WebArchive web,
                                 Map<String, String> connectionProperties, String wildflySecurityDomain) {
        ejb.addAsManifestResource(new StringAsset(jbossEjb3(beans)), "jboss-ejb3.xml")
                .addAsManifestResource(new StringAsset(glassfishEjbJar(app, beans)), "glassfish-ejb-jar.xml");
        ResourceAdapterArchive rar = Deployments.rar();
        if (!connectionProperties.isEmpty() || wildflySecurityDomain != null) {
            Map<String, String> wildflyProperties = new java.util.TreeMap<>(connectionProperties);
            if (wildflySecurityDomain != null) {
                wildflyProperties.remove("user"); // container-managed on WildFly: only the security domain
                wildflyProperties.remove("password");
            }
            rar.delete("META-INF/ironjacamar.xml");
            rar.addAsManifestResource(new StringAsset(ironjacamar(wildflyProperties, wildflySecurityDomain)),
                    "ironjacamar.xml");
        }
        EnterpriseArchive ear = ShrinkWrap.create(EnterpriseArchive.class, app + ".ear")
                .setApplicationXML(new StringAsset(applicationXml(app, ejb.getName(), web)))
                .addAsModule(rar)
                .addAsModule(ejb);
        if (beans.stream().anyMatch(Bean::usesFactory)) {
            ear.addAsManifestResource(new StringAsset(glassfishResources(app, connectionProperties)),
                    "glassfish-resources.xml");
        }
        if (web != null) {
            ear.addAsModule(web);
        }
        return ear;
    }

    private static String applicationXml(String app, String ejbJar, WebArchive web) {
        return "<application xmlns=\"https://jakarta.ee/xml/ns/jakartaee\" version=\"10\">\n"
                + "  <application-name>" + app + "</application-name>\n"
                + "  <module><connector>nats-ra.rar</connector></module>\n"
                + "  <module><ejb>" + ejbJar + "</ejb></module>\n"
                + (web == null ? "" : "  <module><web><web-uri>" + web.getName() + "</web-uri><context-root>" + app
                        + "</context-root></web></module>\n")
                + "</application>\n";
    }

    private static String jbossEjb3(List<Bean> beans) {
        String refs = beans.stream().filter(Bean::usesFactory).map(b -> {
            String kind = b.messageDriven() ? "message-driven" : "session";
            return "    <" + kind + "><ejb-name>" + b.name() + "</ejb-name>\n"
                    + "      <resource-ref><res-ref-name>nats/ConnectionFactory</res-ref-name>"
                    + "<lookup-name>java:/nats/ConnectionFactory</lookup-name></resource-ref>\n"
                    + "    </" + kind + ">\n";
        }).collect(Collectors.joining());
        boolean mdbs = beans.stream().anyMatch(Bean::messageDriven);
        String timeouts = beans.stream().filter(b -> b.txTimeoutSeconds() > 0).map(b -> "    <container-transaction>"
                + "<method><ejb-name>" + b.name() + "</ejb-name><method-name>*</method-name></method>"
                + "<trans-attribute>Required</trans-attribute><tx:trans-timeout><tx:timeout>" + b.txTimeoutSeconds()
                + "</tx:timeout><tx:unit>Seconds</tx:unit></tx:trans-timeout></container-transaction>\n")
                .collect(Collectors.joining());
        String binding = !mdbs ? "" : "    <mdb:resource-adapter-binding><ejb-name>*</ejb-name>"
                + "<mdb:resource-adapter-name>#nats-ra.rar</mdb:resource-adapter-name>"
                + "</mdb:resource-adapter-binding>\n";
        return "<jboss:ejb-jar xmlns:jboss=\"urn:jboss:jakartaee:1.0\" xmlns=\"https://jakarta.ee/xml/ns/jakartaee\"\n"
                + "               xmlns:mdb=\"urn:resource-adapter-binding\" xmlns:tx=\"urn:trans-timeout\""
                + " version=\"4.0\" impl-version=\"2.0\">\n"
                + (refs.isEmpty() ? "" : "  <enterprise-beans>\n" + refs + "  </enterprise-beans>\n")
                + (binding.isEmpty() && timeouts.isEmpty() ? ""
                        : "  <assembly-descriptor>\n" + timeouts + binding + "  </assembly-descriptor>\n")
                + "</jboss:ejb-jar>\n";
    }

    private static String glassfishEjbJar(String app, List<Bean> beans) {
        String ejbs = beans.stream().map(b -> "    <ejb><ejb-name>" + b.name() + "</ejb-name>\n"
                + (b.usesFactory() ? "      <resource-ref><res-ref-name>nats/ConnectionFactory</res-ref-name>"
                        + "<jndi-name>java:app/nats/ConnectionFactory</jndi-name></resource-ref>\n" : "")
                + (b.txTimeoutSeconds() > 0 ? "      <cmt-timeout-in-seconds>" + b.txTimeoutSeconds()
                        + "</cmt-timeout-in-seconds>\n" : "")
                + (b.messageDriven() ? "      <mdb-resource-adapter><resource-adapter-mid>" + app
                        + "#nats-ra</resource-adapter-mid></mdb-resource-adapter>\n" : "")
                + "    </ejb>\n").collect(Collectors.joining());
        return "<glassfish-ejb-jar>\n  <enterprise-beans>\n" + ejbs + "  </enterprise-beans>\n</glassfish-ejb-jar>\n";
    }

    private static String glassfishResources(String app, Map<String, String> properties) {
        return "<!DOCTYPE resources PUBLIC \"-//GlassFish.org//DTD GlassFish Application Server 3.1 Resource Definitions//EN\"\n"
                + "        \"http://glassfish.org/dtds/glassfish-resources_1_5.dtd\">\n"
                + "<resources>\n"
                + "  <connector-connection-pool name=\"java:app/nats/ConnectionPool\" resource-adapter-name=\"" + app
                + "#nats-ra\"\n      connection-definition-name=\"dev.natsjca.api.NatsConnectionFactory\""
                + " transaction-support=\"XATransaction\">\n"
                + properties(properties, "    <property name=\"%s\" value=\"%s\"/>")
                + "  </connector-connection-pool>\n"
                + "  <connector-resource jndi-name=\"java:app/nats/ConnectionFactory\" pool-name=\"java:app/nats/ConnectionPool\"/>\n"
                + "</resources>\n";
    }

    private static String ironjacamar(Map<String, String> properties, String securityDomain) {
        return "<ironjacamar xmlns=\"http://www.ironjacamar.org/doc/schema\">\n"
                + "  <transaction-support>XATransaction</transaction-support>\n"
                + "  <connection-definitions>\n"
                + "    <connection-definition class-name=\"dev.natsjca.outbound.NatsManagedConnectionFactory\"\n"
                + "        jndi-name=\"java:/nats/ConnectionFactory\" pool-name=\"NatsConnectionFactory\">\n"
                + properties(properties, "      <config-property name=\"%s\">%s</config-property>")
                + "      <xa-pool><min-pool-size>0</min-pool-size><max-pool-size>20</max-pool-size></xa-pool>\n"
                + (securityDomain == null ? "" : "      <security><security-domain>" + securityDomain
                        + "</security-domain></security>\n")
                + "      <recovery no-recovery=\"true\"/>\n"
                + "    </connection-definition>\n"
                + "  </connection-definitions>\n"
                + "</ironjacamar>\n";
    }

    private static String properties(Map<String, String> properties, String format) {
        return properties.entrySet().stream().map(e -> String.format(format, e.getKey(), e.getValue()) + "\n")
                .collect(Collectors.joining());
    }
}
