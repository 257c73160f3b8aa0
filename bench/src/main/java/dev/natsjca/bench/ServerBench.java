package dev.natsjca.bench;

import java.io.File;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

import dev.natsjca.bench.server.Control;
import dev.natsjca.bench.server.Stats;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamManagement;
import io.nats.client.Message;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;

/**
 * The in-server scenarios: the benchmark's EAR ({@link Ears#bench}) in an application server of
 * its own ({@link AppServer}), driven over NATS through {@link Control}.
 */
final class ServerBench implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(ServerBench.class.getName());
    private static final Duration START = Duration.ofSeconds(60);

    private final Connection pub;
    private final AppServer server;

    /** Deploys {@code bench.ear} into the (started) server and waits until its control answers. */
    ServerBench(Connection pub, AppServer server, Path rar) throws Exception {
        this.pub = pub;
        this.server = server;
        JetStreamManagement jsm = pub.jetStreamManagement();
        for (String old : jsm.getStreamNames()) {
            if (old.equals("BENCH_SRV")) {
                jsm.deleteStream(old); // a server before this one left its durables' positions there
            }
        }
        jsm.addStream(StreamConfiguration.builder().name("BENCH_SRV")
                .subjects("bench.srv.js", "bench.srv.jstx", "bench.srv.jstxbatch", "bench.srv.jsraw")
                .storageType(StorageType.File).build());
        server.deploy(Ears.bench(rar));
        long deadline = System.nanoTime() + START.toNanos();
        while (request("progress none", Duration.ofSeconds(1)) == null) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(server.name() + " with bench.ear did not answer on " + Control.SUBJECT
                        + " within " + START + "; see " + server.log());
            }
            LockSupport.parkNanos(Duration.ofMillis(500).toNanos());
        }
        LOG.log(Level.INFO, "{0} with bench.ear is up", server.name());
    }

    /** @return "WildFly" or "Payara" */
    String serverName() {
        return server.name();
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
        server.undeploy("bench");
    }

    static Path required(String path, String what) {
        File f = new File(path);
        if (!f.exists()) {
            throw new IllegalStateException(what + " missing: " + f + " (run through Maven: mvn -Pbench -DskipTests verify)");
        }
        return f.toPath();
    }

}
