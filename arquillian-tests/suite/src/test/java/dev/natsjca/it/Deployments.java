package dev.natsjca.it;

import java.io.File;

import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.spec.EnterpriseArchive;
import org.jboss.shrinkwrap.api.spec.ResourceAdapterArchive;

/** The archives under test, as the build produced them (copied into {@code target/deployments}). */
final class Deployments {

    private static final File DIR = new File(System.getProperty("deployments.dir", "target/deployments"));

    private Deployments() {
    }

    /** @return the sample EAR exactly as built: RAR + sample EJB module */
    static EnterpriseArchive sampleEar() {
        return ShrinkWrap.createFromZipFile(EnterpriseArchive.class, file("natsapp.ear"));
    }

    /** @return the resource adapter exactly as built */
    static ResourceAdapterArchive rar() {
        return ShrinkWrap.createFromZipFile(ResourceAdapterArchive.class, file("nats-ra.rar"));
    }

    private static File file(String name) {
        File f = new File(DIR, name);
        if (!f.isFile()) {
            throw new IllegalStateException(f + " is missing: run the tests through Maven (mvn verify)");
        }
        return f;
    }
}
