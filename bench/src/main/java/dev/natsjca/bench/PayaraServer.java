package dev.natsjca.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.jboss.shrinkwrap.api.exporter.ZipExporter;
import org.jboss.shrinkwrap.api.spec.EnterpriseArchive;

/**
 * Payara's {@code domain1} (as the build configured it: HTTP on 28080, Hazelcast off), driven by
 * {@code asadmin}: started, deployed to and stopped; its built-in JMS broker (OpenMQ, embedded) is
 * the JMS the NATS beans are compared with there.
 */
final class PayaraServer implements AppServer {

    private static final Duration ASADMIN = Duration.ofSeconds(240);

    private final Path home;
    private final String natsUrl;
    private final Path work;

    PayaraServer(Path home, String natsUrl) throws Exception {
        this.home = home;
        this.natsUrl = natsUrl;
        this.work = Files.createDirectories(home.resolveSibling("payara-bench"));
        asadmin("stop-domain", "domain1"); // one left running by an interrupted run; fine when none is
        // the domain's JVM inherits asadmin's environment, NATS_URL with it (MicroProfile Config nats.url)
        require(asadmin("start-domain", "domain1"), "start-domain domain1");
    }

    @Override
    public String name() {
        return "Payara";
    }

    @Override
    public void deploy(EnterpriseArchive ear) throws Exception {
        Path file = work.resolve(ear.getName());
        ear.as(ZipExporter.class).exportTo(file.toFile(), true);
        String application = ear.getName().replaceFirst("\\.ear$", "");
        require(asadmin("deploy", "--force=true", "--name", application, file.toString()), "deploy " + file);
    }

    @Override
    public void undeploy(String application) throws Exception {
        require(asadmin("undeploy", application), "undeploy " + application);
    }

    private void require(String[] result, String what) {
        if (!"0".equals(result[0])) {
            throw new IllegalStateException("asadmin " + what + " failed (" + result[0] + "): " + result[1]
                    + "; see " + log());
        }
    }

    /** @return {exit code, output} */
    private String[] asadmin(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(home.resolve("bin/asadmin").toString()));
        command.addAll(List.of(args));
        Path out = Files.createTempFile(work, "asadmin", ".log");
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile());
        pb.environment().put("NATS_URL", natsUrl);
        Process p = pb.start();
        if (!p.waitFor(ASADMIN.toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new String[] {"timeout after " + ASADMIN, Files.readString(out)};
        }
        String output = Files.readString(out).strip();
        Files.delete(out);
        return new String[] {Integer.toString(p.exitValue()), output};
    }

    @Override
    public long pid() {
        try {
            return Long.parseLong(Files.readString(home.resolve("glassfish/domains/domain1/config/pid")).strip());
        } catch (IOException e) {
            throw new IllegalStateException("Payara domain1 wrote no pid file", e);
        }
    }

    @Override
    public Path log() {
        return home.resolve("glassfish/domains/domain1/logs/server.log");
    }

    @Override
    public void close() throws Exception {
        asadmin("stop-domain", "domain1");
    }
}
