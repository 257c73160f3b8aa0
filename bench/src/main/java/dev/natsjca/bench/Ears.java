package dev.natsjca.bench;

import java.nio.file.Path;
import java.util.List;

import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.jboss.shrinkwrap.api.spec.EnterpriseArchive;
import org.jboss.shrinkwrap.api.spec.JavaArchive;
import org.jboss.shrinkwrap.api.spec.ResourceAdapterArchive;

import dev.natsjca.bench.server.Control;
import dev.natsjca.bench.server.IdleMdb;

/**
 * The benchmark's EARs, each the RAR as built ({@code nats-ra.rar}) plus an EJB module, carrying
 * WildFly's and Payara's descriptors side by side (each server reads its own and ignores the
 * other's): which MDBs the RAR serves, and where the outbound factory is.
 */
final class Ears {

    /** The NATS MDBs of {@code bench.server}; the JMS ones stay on each server's own JMS adapter. */
    private static final List<String> NATS_MDBS = List.of("CoreMdb1", "CoreMdb4", "CoreBatchMdb4", "JsMdb",
            "JsTxMdb", "JsTxBatchMdb", "Control");
    private static final List<String> JMS_MDBS = List.of("JmsMdb", "JmsTxMdb");
    /** The at-rest measurement's idle activations: half core subscriptions, half JetStream consumers. */
    static final int IDLE_ACTIVATIONS = 10;
    static final String IDLE_STREAM = "BENCH_IDLE";

    private Ears() {
    }

    /** {@code bench.ear}: every receiver and the remote control. */
    static EnterpriseArchive bench(Path rar) {
        JavaArchive ejb = ShrinkWrap.create(JavaArchive.class, "bench-ejb.jar")
                .addPackage(Control.class.getPackage())
                .addAsManifestResource(new StringAsset(jbossEjb3(NATS_MDBS, List.of("Control"))), "jboss-ejb3.xml")
                .addAsManifestResource(new StringAsset(glassfishEjbJar("bench", NATS_MDBS, List.of("Control"),
                        JMS_MDBS)), "glassfish-ejb-jar.xml")
                .addAsManifestResource(new StringAsset("<beans xmlns=\"https://jakarta.ee/xml/ns/jakartaee\" "
                        + "version=\"4.0\" bean-discovery-mode=\"annotated\"/>"), "beans.xml");
        return ear("bench", rar, ejb);
    }

    /**
     * {@code rest.ear} with {@code idle} idle NATS MDBs (declared in {@code ejb-jar.xml}, one bean
     * class), or the RAR alone when {@code idle} is 0.
     */
    static EnterpriseArchive rest(Path rar, int idle) {
        if (idle == 0) {
            return ear("rest", rar, null);
        }
        StringBuilder beans = new StringBuilder();
        List<String> names = new java.util.ArrayList<>();
        for (int i = 0; i < idle; i++) {
            boolean jetStream = i % 2 == 1;
            String name = "Idle" + i;
            names.add(name);
            beans.append("    <message-driven><ejb-name>").append(name).append("</ejb-name>")
                    .append("<ejb-class>").append(IdleMdb.class.getName()).append("</ejb-class>")
                    .append("<messaging-type>dev.natsjca.api.NatsMessageListener</messaging-type>")
                    .append("<transaction-type>Bean</transaction-type><activation-config>")
                    .append(property("subject", "bench.idle." + i));
            if (jetStream) {
                beans.append(property("stream", IDLE_STREAM)).append(property("durable", "idle" + i));
            }
            beans.append("</activation-config></message-driven>\n");
        }
        String ejbJar = "<ejb-jar xmlns=\"https://jakarta.ee/xml/ns/jakartaee\" version=\"4.0\">\n"
                + "  <enterprise-beans>\n" + beans + "  </enterprise-beans>\n</ejb-jar>\n";
        JavaArchive ejb = ShrinkWrap.create(JavaArchive.class, "rest-ejb.jar").addClass(IdleMdb.class)
                .addAsManifestResource(new StringAsset(ejbJar), "ejb-jar.xml")
                .addAsManifestResource(new StringAsset(jbossEjb3(names, List.of())), "jboss-ejb3.xml")
                .addAsManifestResource(new StringAsset(glassfishEjbJar("rest", names, List.of(), List.of())),
                        "glassfish-ejb-jar.xml");
        return ear("rest", rar, ejb);
    }

    private static String property(String name, String value) {
        return "<activation-config-property><activation-config-property-name>" + name
                + "</activation-config-property-name><activation-config-property-value>" + value
                + "</activation-config-property-value></activation-config-property>";
    }

    private static EnterpriseArchive ear(String application, Path rar, JavaArchive ejb) {
        StringBuilder modules = new StringBuilder("  <module><connector>nats-ra.rar</connector></module>\n");
        if (ejb != null) {
            modules.append("  <module><ejb>").append(ejb.getName()).append("</ejb></module>\n");
        }
        EnterpriseArchive ear = ShrinkWrap.create(EnterpriseArchive.class, application + ".ear")
                .setApplicationXML(new StringAsset("<application xmlns=\"https://jakarta.ee/xml/ns/jakartaee\" "
                        + "version=\"10\">\n  <application-name>" + application + "</application-name>\n"
                        + modules + "</application>\n"))
                .addAsModule(ShrinkWrap.createFromZipFile(ResourceAdapterArchive.class, rar.toFile()))
                .addAsManifestResource(new StringAsset(glassfishResources(application)), "glassfish-resources.xml");
        if (ejb != null) {
            ear.addAsModule(ejb);
        }
        return ear;
    }

    /** WildFly: the MDBs bound to the RAR in this EAR; the references to the factory its ironjacamar.xml binds. */
    private static String jbossEjb3(List<String> natsMdbs, List<String> factoryUsers) {
        StringBuilder beans = new StringBuilder();
        for (String user : factoryUsers) {
            beans.append("    <message-driven><ejb-name>").append(user).append("</ejb-name>\n")
                    .append("      <resource-ref><res-ref-name>nats/ConnectionFactory</res-ref-name>")
                    .append("<lookup-name>java:/nats/ConnectionFactory</lookup-name></resource-ref>\n")
                    .append("    </message-driven>\n");
        }
        StringBuilder bindings = new StringBuilder();
        for (String mdb : natsMdbs) {
            bindings.append("    <mdb:resource-adapter-binding><ejb-name>").append(mdb)
                    .append("</ejb-name><mdb:resource-adapter-name>#nats-ra.rar</mdb:resource-adapter-name>")
                    .append("</mdb:resource-adapter-binding>\n");
        }
        return "<jboss:ejb-jar xmlns:jboss=\"urn:jboss:jakartaee:1.0\" xmlns=\"https://jakarta.ee/xml/ns/jakartaee\"\n"
                + "    xmlns:mdb=\"urn:resource-adapter-binding\" version=\"4.0\" impl-version=\"2.0\">\n"
                + (beans.length() == 0 ? "" : "  <enterprise-beans>\n" + beans + "  </enterprise-beans>\n")
                + "  <assembly-descriptor>\n" + bindings + "  </assembly-descriptor>\n</jboss:ejb-jar>\n";
    }

    /**
     * Payara: the MDBs bound to the RAR as {@code <application>#nats-ra}; the references to the
     * factory {@code glassfish-resources.xml} defines; the JMS MDBs' instance pool at 4, which
     * Payara's JMS adapter takes as the number of concurrent sessions (WildFly's {@code maxSession} 4).
     */
    private static String glassfishEjbJar(String application, List<String> natsMdbs, List<String> factoryUsers,
                                          List<String> jmsMdbs) {
        StringBuilder ejbs = new StringBuilder();
        for (String mdb : natsMdbs) {
            ejbs.append("    <ejb><ejb-name>").append(mdb).append("</ejb-name>\n");
            if (factoryUsers.contains(mdb)) {
                ejbs.append("      <resource-ref><res-ref-name>nats/ConnectionFactory</res-ref-name>")
                        .append("<jndi-name>java:app/nats/ConnectionFactory</jndi-name></resource-ref>\n");
            }
            ejbs.append("      <mdb-resource-adapter><resource-adapter-mid>").append(application)
                    .append("#nats-ra</resource-adapter-mid></mdb-resource-adapter>\n    </ejb>\n");
        }
        for (String mdb : jmsMdbs) {
            ejbs.append("    <ejb><ejb-name>").append(mdb).append("</ejb-name><bean-pool><steady-pool-size>0")
                    .append("</steady-pool-size><max-pool-size>4</max-pool-size></bean-pool></ejb>\n");
        }
        return "<!DOCTYPE glassfish-ejb-jar PUBLIC \"-//GlassFish.org//DTD GlassFish Application Server 3.1 EJB 3.1//EN\" "
                + "\"http://glassfish.org/dtds/glassfish-ejb-jar_3_1-1.dtd\">\n"
                + "<glassfish-ejb-jar><enterprise-beans>\n" + ejbs + "</enterprise-beans></glassfish-ejb-jar>\n";
    }

    /** Payara: the RAR's outbound factory as an application resource (the sample EAR's, under this application's name). */
    private static String glassfishResources(String application) {
        return "<!DOCTYPE resources PUBLIC \"-//GlassFish.org//DTD GlassFish Application Server 3.1 Resource "
                + "Definitions//EN\" \"http://glassfish.org/dtds/glassfish-resources_1_5.dtd\">\n<resources>\n"
                + "  <connector-connection-pool name=\"java:app/nats/ConnectionPool\" resource-adapter-name=\""
                + application + "#nats-ra\" connection-definition-name=\"dev.natsjca.api.NatsConnectionFactory\" "
                + "transaction-support=\"XATransaction\" steady-pool-size=\"0\" max-pool-size=\"20\" "
                + "max-wait-time-in-millis=\"5000\"/>\n"
                + "  <connector-resource jndi-name=\"java:app/nats/ConnectionFactory\" "
                + "pool-name=\"java:app/nats/ConnectionPool\"/>\n</resources>\n";
    }
}
