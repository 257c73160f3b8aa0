package dev.natsjca.bench;

import java.nio.file.Path;

import org.jboss.shrinkwrap.api.spec.EnterpriseArchive;

/**
 * An application server of the benchmark's own, started empty: EARs are deployed and undeployed
 * one at a time, each waited for, and the server's JVM is known so it can be measured from outside
 * ({@code jcmd}).
 */
interface AppServer extends AutoCloseable {

    /** @return "WildFly" or "Payara", as the tables name it */
    String name();

    /**
     * Deploys the EAR under its file name without {@code .ear} as application name and waits until
     * the server reports it deployed.
     *
     * @throws IllegalStateException when the deployment failed or took longer than three minutes,
     *         naming the server log
     */
    void deploy(EnterpriseArchive ear) throws Exception;

    /** Undeploys what {@link #deploy} deployed under that name and waits until it is gone. */
    void undeploy(String application) throws Exception;

    /** @return the process id of the server's JVM */
    long pid();

    /** @return the server log, for error messages */
    Path log();
}
