package dev.natsjca.it;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.jboss.arquillian.container.test.api.Deployer;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.spec.EnterpriseArchive;
import org.jboss.shrinkwrap.api.spec.JavaArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.natsjca.it.broken.BadSelectorListener;
import dev.natsjca.it.broken.BadServiceNameListener;
import dev.natsjca.it.broken.BadServiceVersionListener;
import dev.natsjca.it.broken.BadSubjectListener;
import dev.natsjca.it.broken.ImmutableStreamMismatchListener;
import dev.natsjca.it.broken.MissingStreamListener;
import dev.natsjca.it.broken.NegativeMaxDeliverListener;
import dev.natsjca.it.broken.UnknownDeliverPolicyListener;
import dev.natsjca.testing.NatsServerExtension;

/**
 * An MDB whose activation properties are wrong (a malformed subject, an unknown deliver policy, a
 * negative maxDeliver, a stream that does not exist, a service name or version the service
 * protocol forbids) must fail its deployment, with a message that
 * names the property and the value, instead of deploying and silently receiving nothing.
 */
@ExtendWith({NatsServerExtension.class, ArquillianExtension.class})
class InvalidActivationIT {

    @ArquillianResource
    private Deployer deployer;

    /** The RAR as built, and an EJB module holding only one broken MDB, bound for both servers. */
    private static EnterpriseArchive brokenEar(String name, Class<?> listener) {
        return TestEar.ear(name, ShrinkWrap.create(JavaArchive.class, name + "-ejb.jar").addClass(listener),
                List.of(new TestEar.Bean(listener.getSimpleName(), true, false)), null, Map.of());
    }

    @Deployment(name = "badsubject", managed = false, testable = false)
    static EnterpriseArchive badSubject() {
        return brokenEar("badsubject", BadSubjectListener.class);
    }

    @Deployment(name = "baddeliverpolicy", managed = false, testable = false)
    static EnterpriseArchive badDeliverPolicy() {
        return brokenEar("baddeliverpolicy", UnknownDeliverPolicyListener.class);
    }

    @Deployment(name = "badmaxdeliver", managed = false, testable = false)
    static EnterpriseArchive badMaxDeliver() {
        return brokenEar("badmaxdeliver", NegativeMaxDeliverListener.class);
    }

    @Deployment(name = "streammismatch", managed = false, testable = false)
    static EnterpriseArchive streamMismatch() {
        return brokenEar("streammismatch", ImmutableStreamMismatchListener.class);
    }

    @Deployment(name = "missingstream", managed = false, testable = false)
    static EnterpriseArchive missingStream() {
        return brokenEar("missingstream", MissingStreamListener.class);
    }

    @Deployment(name = "badselector", managed = false, testable = false)
    static EnterpriseArchive badSelector() {
        return brokenEar("badselector", BadSelectorListener.class);
    }

    @Deployment(name = "badservicename", managed = false, testable = false)
    static EnterpriseArchive badServiceName() {
        return brokenEar("badservicename", BadServiceNameListener.class);
    }

    @Deployment(name = "badserviceversion", managed = false, testable = false)
    static EnterpriseArchive badServiceVersion() {
        return brokenEar("badserviceversion", BadServiceVersionListener.class);
    }

    @Test
    void aServiceNameTheProtocolForbidsFailsDeploymentNamingPropertyAndValue() {
        assertDeploymentFails("badservicename", "serviceName", BadServiceNameListener.BAD_VALUE);
    }

    @Test
    void aServiceVersionThatIsNotSemanticFailsDeploymentNamingPropertyAndValue() {
        assertDeploymentFails("badserviceversion", "serviceVersion", BadServiceVersionListener.BAD_VALUE);
    }

    @Test
    void malformedSubjectFailsDeploymentNamingPropertyAndValue() {
        assertDeploymentFails("badsubject", "subject", BadSubjectListener.BAD_SUBJECT);
    }

    @Test
    void unknownDeliverPolicyFailsDeploymentNamingPropertyAndValue() {
        assertDeploymentFails("baddeliverpolicy", "deliverPolicy", UnknownDeliverPolicyListener.BAD_VALUE);
    }

    @Test
    void negativeMaxDeliverFailsDeploymentNamingPropertyAndValue() {
        assertDeploymentFails("badmaxdeliver", "maxDeliver", NegativeMaxDeliverListener.BAD_VALUE);
    }

    @Test
    void aSelectorThatDoesNotParseFailsDeploymentNamingItAndThePosition() {
        assertFails("badselector", "Invalid value for property 'selector': '" + BadSelectorListener.BAD_VALUE
                + "': at position 18");
    }

    @Test
    void streamThatDoesNotExistWithoutADeclarationFailsDeploymentNamingIt() {
        assertDeploymentFails("missingstream", "stream", MissingStreamListener.BAD_VALUE);
    }

    @Test
    void aDeclaredStreamThatExistsWithASettingItCannotChangeFailsDeploymentNamingSettingAndValues(
            dev.natsjca.testing.NatsServer server) throws Exception {
        try (io.nats.client.Connection c = io.nats.client.Nats.connect(server.url())) {
            io.nats.client.JetStreamManagement jsm = c.jetStreamManagement();
            jsm.addStream(io.nats.client.api.StreamConfiguration.builder().name(ImmutableStreamMismatchListener.STREAM)
                    .subjects("declared.>").storageType(io.nats.client.api.StorageType.Memory).build());
            assertFails("streammismatch", "Stream '" + ImmutableStreamMismatchListener.STREAM
                    + "' differs from its declaration: streamStorage is memory on the server, declared file");
            io.nats.client.api.StreamConfiguration after = jsm.getStreamInfo(ImmutableStreamMismatchListener.STREAM)
                    .getConfiguration();
            assertTrue(after.getStorageType() == io.nats.client.api.StorageType.Memory
                    && after.getMaxAge().isZero(), "the stream was left as it was: " + after.toJson());
        }
    }

    /**
     * Both servers refuse the deployment and log the adapter's message, naming the property and
     * the value. They differ in what the deploying client is told: WildFly returns the failure
     * description with the cause chain; Payara's Arquillian adapter reports only
     * "Could not deploy x.ear", the reason being in the server log.
     */
    private void assertDeploymentFails(String deployment, String property, String value) {
        assertFails(deployment, "Invalid value for property '" + property + "': '" + value + "'");
    }

    private void assertFails(String deployment, String expected) {
        ServerLog log = ServerLog.markNow();
        Exception e = assertThrows(Exception.class, () -> deployer.deploy(deployment));

        String logged = log.sinceMark();
        assertTrue(logged.contains(expected),
                "the server log should carry the adapter's message naming property and value; logged:\n" + logged);
        if ("wildfly".equals(ServerLog.server())) {
            String reported = causeChain(e);
            assertTrue(reported.contains(expected),
                    "WildFly reports the failure description to the deploying client; was: " + reported);
        }
    }

    private static String causeChain(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            sb.append(c.getClass().getName()).append(": ").append(c.getMessage()).append('\n');
        }
        return sb.toString();
    }
}
