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

import dev.natsjca.it.broken.BadSubjectListener;
import dev.natsjca.testing.NatsServerExtension;

/**
 * An MDB whose activation has a malformed subject must fail its deployment, with a message that
 * names the property and the value, instead of deploying and silently receiving nothing.
 */
@ExtendWith({NatsServerExtension.class, ArquillianExtension.class})
class InvalidActivationIT {

    private static final String BROKEN = "broken";

    @ArquillianResource
    private Deployer deployer;

    /** The RAR as built, and an EJB module holding only the broken MDB, bound for both servers. */
    @Deployment(name = BROKEN, managed = false, testable = false)
    static EnterpriseArchive brokenEar() {
        return TestEar.ear("broken",
                ShrinkWrap.create(JavaArchive.class, "broken-ejb.jar").addClass(BadSubjectListener.class),
                List.of(new TestEar.Bean("BadSubjectListener", true, false)), null, Map.of());
    }

    /**
     * Both servers refuse the deployment and log the adapter's message, naming the property and
     * the value. They differ in what the deploying client is told: WildFly returns the failure
     * description with the cause chain; Payara's Arquillian adapter reports only
     * "Could not deploy broken.ear", the reason being in the server log.
     */
    @Test
    void malformedSubjectFailsDeploymentNamingPropertyAndValue() {
        ServerLog log = ServerLog.markNow();
        Exception e = assertThrows(Exception.class, () -> deployer.deploy(BROKEN));
        String expected = "Invalid value for property 'subject': '" + BadSubjectListener.BAD_SUBJECT + "'";

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
