package dev.natsjca.bench;

import java.io.File;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.jboss.shrinkwrap.api.exporter.ZipExporter;
import org.jboss.shrinkwrap.api.spec.EnterpriseArchive;
import org.jboss.shrinkwrap.api.spec.JavaArchive;
import org.jboss.shrinkwrap.api.spec.ResourceAdapterArchive;

import dev.natsjca.bench.server.Control;
import dev.natsjca.bench.server.Stats;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.Message;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;

/**
 * The in-server scenarios: the benchmark's EAR (the RAR as built plus {@code bench.server}) in a
 * WildFly of its own on the {@code standalone-full} profile (built-in Artemis), started and
 * stopped here, driven over NATS through {@link Control}.
 */
final class ServerBench implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(ServerBench.class.getName());
    private static final Duration START = Duration.ofSeconds(180);
    private static final String NATS_MDBS = "CoreMdb1 CoreMdb4 CoreBatchMdb4 JsMdb JsTxMdb JsTxBatchMdb Control";

    private final Connection pub;
    private final Path ear;
    private final Process wildfly;

    ServerBench(String natsUrl, Connection pub, Path wildflyHome, Path rar, Path log) throws Exception {
        this.pub = pub;
        pub.jetStreamManagement().addStream(StreamConfiguration.builder().name("BENCH_SRV")
                .subjects("bench.srv.js", "bench.srv.jstx", "bench.srv.jstxbatch", "bench.srv.jsraw")
                .storageType(StorageType.File).build());
        this.ear = wildflyHome.resolve("standalone/deployments/bench.ear");
        Files.deleteIfExists(ear.resolveSibling("bench.ear.failed"));
        Files.deleteIfExists(ear.resolveSibling("bench.ear.deployed"));
        ear(rar).as(ZipExporter.class).exportTo(ear.toFile(), true);
        ProcessBuilder pb = new ProcessBuilder(wildflyHome.resolve("bin/standalone.sh").toString(),
                "-c", "standalone-full.xml").redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("JBOSS_HOME", wildflyHome.toString());
        pb.environment().put("NATS_URL", natsUrl);
        this.wildfly = pb.start();
        long deadline = System.nanoTime() + START.toNanos();
        while (request("progress none", Duration.ofSeconds(1)) == null) {
            if (!wildfly.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("WildFly with bench.ear did not answer on " + Control.SUBJECT
                        + " within " + START + "; see " + log);
            }
            LockSupport.parkNanos(Duration.ofMillis(500).toNanos());
        }
        LOG.log(Level.INFO, "WildFly (standalone-full) with bench.ear is up");
    }

    private static EnterpriseArchive ear(Path rar) {
        StringBuilder bindings = new StringBuilder();
        for (String mdb : NATS_MDBS.split(" ")) {
            bindings.append("    <mdb:resource-adapter-binding><ejb-name>").append(mdb)
                    .append("</ejb-name><mdb:resource-adapter-name>#nats-ra.rar</mdb:resource-adapter-name>")
                    .append("</mdb:resource-adapter-binding>\n");
        }
        String jbossEjb3 = "<jboss:ejb-jar xmlns:jboss=\"urn:jboss:jakartaee:1.0\" xmlns=\"https://jakarta.ee/xml/ns/jakartaee\"\n"
                + "    xmlns:mdb=\"urn:resource-adapter-binding\" version=\"4.0\" impl-version=\"2.0\">\n"
                + "  <enterprise-beans><message-driven><ejb-name>Control</ejb-name>\n"
                + "    <resource-ref><res-ref-name>nats/ConnectionFactory</res-ref-name>"
                + "<lookup-name>java:/nats/ConnectionFactory</lookup-name></resource-ref>\n"
                + "  </message-driven></enterprise-beans>\n"
                + "  <assembly-descriptor>\n" + bindings + "  </assembly-descriptor>\n</jboss:ejb-jar>\n";
        JavaArchive ejb = ShrinkWrap.create(JavaArchive.class, "bench-ejb.jar")
                .addPackage(Control.class.getPackage())
                .addAsManifestResource(new StringAsset(jbossEjb3), "jboss-ejb3.xml")
                .addAsManifestResource(new StringAsset("<beans xmlns=\"https://jakarta.ee/xml/ns/jakartaee\" "
                        + "version=\"4.0\" bean-discovery-mode=\"annotated\"/>"), "beans.xml");
        return ShrinkWrap.create(EnterpriseArchive.class, "bench.ear")
                .setApplicationXML(new StringAsset("<application xmlns=\"https://jakarta.ee/xml/ns/jakartaee\" version=\"10\">\n"
                        + "  <application-name>bench</application-name>\n"
                        + "  <module><connector>nats-ra.rar</connector></module>\n"
                        + "  <module><ejb>bench-ejb.jar</ejb></module>\n</application>\n"))
                .addAsModule(ShrinkWrap.createFromZipFile(ResourceAdapterArchive.class, rar.toFile()))
                .addAsModule(ejb);
    }

    /** @return the answer, or {@code null} when none came within the timeout */
    String request(String command, Duration timeout) {
        try {
            Message reply = pub.request(Control.SUBJECT, command.getBytes(StandardCharsets.UTF_8), timeout);
            return reply == null ? null : new String(reply.getData(), StandardCharsets.UTF_8);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (java.util.concurrent.CancellationException e) {
            return null; // no responder yet
        }
    }

    private String command(String command) {
        String answer = request(command, Duration.ofSeconds(120));
        if (answer == null || answer.startsWith("error")) {
            throw new IllegalStateException("bench control '" + command + "': " + answer);
        }
        return answer;
    }

    /** A variant whose messages arrive at an in-server receiver recorded by {@code Stats}. */
    Variant serverReceiver(String name, String receiver, Bench.SendFunction send) {
        return new Variant() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Round run(int n, int size, int rate) throws Exception {
                command("reset " + receiver + " " + n);
                long first = send.send(n, size, rate);
                return new Round(n, first, awaitServerRound(receiver, n));
            }
        };
    }

    /**
     * A variant timed by its in-server sender alone, from before the command to its answer: no
     * subscriber, so nothing but the sending side is measured, and no latency.
     */
    Variant sendOnly(String name, String command, String subject) {
        return new Variant() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Round run(int n, int size, int rate) {
                long start = Stats.now();
                inServer(command + " " + n + " " + size + " " + subject + " " + rate);
                return new Round(n, start, Samples.sentOnly(n, Stats.now()));
            }
        };
    }

    /** Polls the receiver's progress until all arrived or nothing more came for 3 s; then its report as Samples. */
    private Samples awaitServerRound(String receiver, int n) {
        long seen = -1;
        long lastProgress = System.nanoTime();
        while (true) {
            long count = Long.parseLong(command("progress " + receiver).split(" ")[0]);
            if (count >= n) {
                break;
            }
            if (count != seen) {
                seen = count;
                lastProgress = System.nanoTime();
            } else if (System.nanoTime() - lastProgress > Duration.ofSeconds(3).toNanos()) {
                LOG.log(Level.WARNING, "in-server round of {0} ended with {1} of {2} messages", receiver, count, n);
                break;
            }
            LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
        }
        return Samples.reported(command("report " + receiver));
    }

    /** Load produced inside the server by {@link Control}: {@code jms}, {@code pool}, {@code handle} or {@code raw}. */
    long inServer(String command) {
        return Long.parseLong(command(command));
    }

    JetStream jetStream() throws Exception {
        return pub.jetStream();
    }

    @Override
    public void close() throws Exception {
        // standalone.sh runs WildFly's JVM as its child: stop that JVM (SIGTERM, a graceful
        // shutdown), not only the script, or it outlives the benchmark holding its ports.
        List<ProcessHandle> jvms = wildfly.descendants().collect(java.util.stream.Collectors.toList());
        jvms.forEach(ProcessHandle::destroy);
        wildfly.destroy();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        for (ProcessHandle jvm : jvms) {
            while (jvm.isAlive() && System.nanoTime() < deadline) {
                LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
            }
            if (jvm.isAlive()) {
                jvm.destroyForcibly();
            }
        }
        if (!wildfly.waitFor(10, TimeUnit.SECONDS)) {
            wildfly.destroyForcibly();
        }
        Files.deleteIfExists(ear);
        for (String marker : new String[] {"bench.ear.deployed", "bench.ear.failed", "bench.ear.undeployed"}) {
            Files.deleteIfExists(ear.resolveSibling(marker));
        }
    }

    static Path required(String path, String what) {
        File f = new File(path);
        if (!f.exists()) {
            throw new IllegalStateException(what + " missing: " + f + " (run through Maven: mvn -Pbench -DskipTests verify)");
        }
        return f.toPath();
    }

}
