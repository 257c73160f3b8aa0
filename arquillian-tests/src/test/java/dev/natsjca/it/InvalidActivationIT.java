package dev.natsjca.it;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    @Deployment(name = BROKEN, managed = false, testable = false)
    static EnterpriseArchive brokenEar() {
        JavaArchive ejb = ShrinkWrap.create(JavaArchive.class, "broken-ejb.jar").addClass(BadSubjectListener.class);
        return ShrinkWrap.create(EnterpriseArchive.class, "broken.ear")
                .addAsModule(Deployments.rar())
                .addAsModule(ejb);
    }

    @Test
    void malformedSubjectFailsDeploymentNamingPropertyAndValue() {
        Exception e = assertThrows(Exception.class, () -> deployer.deploy(BROKEN));
        String all = causeChain(e);
        assertTrue(all.contains("'subject'") && all.contains("'" + BadSubjectListener.BAD_SUBJECT + "'"),
                "deployment failure should name the property and the value, was: " + all);
    }

    private static String causeChain(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            sb.append(c.getClass().getName()).append(": ").append(c.getMessage()).append('\n');
        }
        return sb.toString();
    }
}
