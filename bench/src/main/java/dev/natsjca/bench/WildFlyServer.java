package dev.natsjca.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

import org.jboss.shrinkwrap.api.exporter.ZipExporter;
import org.jboss.shrinkwrap.api.spec.EnterpriseArchive;

/**
 * WildFly on {@code standalone-full} (the profile with the built-in Artemis broker), deploying
 * through its deployment scanner and its {@code .deployed}/{@code .failed} markers.
 */
final class WildFlyServer implements AppServer {

    private static final Duration DEPLOY = Duration.ofSeconds(180);

    private final Path home;
    private final Path log;
    private final Process script;

    WildFlyServer(Path home, String natsUrl, Path log) throws Exception {
        this.home = home;
        this.log = log;
        for (Path p : deployments().toFile().exists() ? Files.list(deployments()).collect(Collectors.toList())
                : List.<Path>of()) {
            if (p.getFileName().toString().matches("(bench|rest)\\.ear.*")) {
                Files.delete(p); // left by an interrupted run
            }
        }
        ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/standalone.sh").toString(),
                "-c", "standalone-full.xml").redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("JBOSS_HOME", home.toString());
        pb.environment().put("NATS_URL", natsUrl);
        this.script = pb.start();
    }

    private Path deployments() {
        return home.resolve("standalone/deployments");
    }

    @Override
    public String name() {
        return "WildFly";
    }

    @Override
    public void deploy(EnterpriseArchive ear) throws Exception {
        Path file = deployments().resolve(ear.getName());
        for (String marker : new String[] {".deployed", ".failed", ".undeployed"}) {
            Files.deleteIfExists(file.resolveSibling(ear.getName() + marker));
        }
        // Written elsewhere, then moved: the scanner must never see half an archive.
        Path staged = Files.createTempFile(home, "staged", ".ear");
        ear.as(ZipExporter.class).exportTo(staged.toFile(), true);
        Files.move(staged, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        awaitMarker(ear.getName(), ".deployed", ".failed");
    }

    @Override
    public void undeploy(String application) throws Exception {
        String file = application + ".ear";
        Files.deleteIfExists(deployments().resolve(file));
        awaitMarker(file, ".undeployed", null);
        Files.deleteIfExists(deployments().resolve(file + ".undeployed"));
    }

    private void awaitMarker(String file, String done, String failed) {
        long deadline = System.nanoTime() + DEPLOY.toNanos();
        while (!Files.exists(deployments().resolve(file + done))) {
            if (failed != null && Files.exists(deployments().resolve(file + failed))) {
                throw new IllegalStateException("WildFly could not deploy " + file + "; see " + log);
            }
            if (!script.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("WildFly did not report " + file + done + " within " + DEPLOY
                        + "; see " + log);
            }
            LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
        }
    }

    @Override
    public long pid() {
        // standalone.sh runs WildFly's JVM as its child
        return script.descendants().filter(p -> p.info().command().map(c -> c.endsWith("java")).orElse(false))
                .findFirst().orElseThrow(() -> new IllegalStateException("no WildFly JVM under " + script.pid()))
                .pid();
    }

    @Override
    public Path log() {
        return log;
    }

    @Override
    public void close() throws Exception {
        // Stop the JVM (SIGTERM, a graceful shutdown), not only the script, or it outlives the
        // benchmark holding its ports.
        List<ProcessHandle> jvms = script.descendants().collect(Collectors.toList());
        jvms.forEach(ProcessHandle::destroy);
        script.destroy();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        for (ProcessHandle jvm : jvms) {
            while (jvm.isAlive() && System.nanoTime() < deadline) {
                LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
            }
            if (jvm.isAlive()) {
                jvm.destroyForcibly();
            }
        }
        if (!script.waitFor(10, TimeUnit.SECONDS)) {
            script.destroyForcibly();
        }
        try (var left = Files.list(deployments())) {
            for (Path p : left.filter(p -> p.getFileName().toString().matches("(bench|rest)\\.ear.*"))
                    .collect(Collectors.toList())) {
                Files.deleteIfExists(p);
            }
        }
    }
}
