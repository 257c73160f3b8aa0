package dev.natsjca.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.natsjca.testing.NatsServer;
import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;

/**
 * Memory and threads of an application server at rest: the RAR deployed with no activation, then
 * with {@link Ears#IDLE_ACTIVATIONS} idle ones (nothing published to them), each measured from
 * outside with {@code jcmd} once the server's thread count has settled: heap in use after two
 * full collections, and the JVM's threads by name (digits folded), so what each activation adds
 * can be told apart from what its jnats connection needs.
 */
final class AtRest {

    private static final System.Logger LOG = System.getLogger(AtRest.class.getName());
    private static final Duration SETTLE = Duration.ofSeconds(60);
    private static final Pattern HEAP_USED = Pattern.compile("heap\\s+total \\d+K, used (\\d+)K");
    private static final Pattern THREAD = Pattern.compile("^\"(.*?)\" ", Pattern.MULTILINE);

    /**
     * One state of the server: heap in use (KiB), threads (by folded name), connections the
     * nats-server counts, and what the threads of the first core and the first JetStream idle
     * activation do ("`thread name`: `its innermost jnats or adapter frame`").
     */
    record Snapshot(long heapKiB, int threads, Map<String, Integer> threadsByName, int natsConnections,
                    List<String> sampleActivationThreads) {
    }

    /** A server's two states. */
    record Result(String server, Snapshot none, Snapshot idle) {

        /** @return per folded thread name, the threads the idle activations added (or removed, negative) */
        Map<String, Integer> addedThreads() {
            Map<String, Integer> added = new TreeMap<>();
            idle.threadsByName().forEach((name, n) -> added.merge(name, n, Integer::sum));
            none.threadsByName().forEach((name, n) -> added.merge(name, -n, Integer::sum));
            added.values().removeIf(n -> n == 0);
            return added;
        }
    }

    private AtRest() {
    }

    static Result measure(AppServer server, Path rar, NatsServer nats, Connection pub) throws Exception {
        JetStreamManagement jsm = pub.jetStreamManagement();
        if (!jsm.getStreamNames().contains(Ears.IDLE_STREAM)) {
            jsm.addStream(StreamConfiguration.builder().name(Ears.IDLE_STREAM).subjects("bench.idle.>")
                    .storageType(StorageType.File).build());
        }
        int before = connections(nats);
        server.deploy(Ears.rest(rar, 0));
        Snapshot none = snapshot(server, nats);
        server.undeploy("rest");
        server.deploy(Ears.rest(rar, Ears.IDLE_ACTIVATIONS));
        awaitConnections(nats, before + Ears.IDLE_ACTIVATIONS, server);
        Snapshot idle = snapshot(server, nats);
        server.undeploy("rest");
        Result r = new Result(server.name(), none, idle);
        LOG.log(System.Logger.Level.INFO, "{0} at rest: no activation {1}; {2} idle activations {3}; threads added {4}",
                server.name(), none, Ears.IDLE_ACTIVATIONS, idle, r.addedThreads());
        return r;
    }

    /** Waits until the server's thread count holds still for 3 s (idle delivery workers end after 100 ms), then measures. */
    private static Snapshot snapshot(AppServer server, NatsServer nats) throws Exception {
        long deadline = System.nanoTime() + SETTLE.toNanos();
        int last = -1;
        int steady = 0;
        while (steady < 6) {
            int now = THREAD.matcher(jcmd(server.pid(), "Thread.print")).results().mapToInt(m -> 1).sum();
            steady = now == last ? steady + 1 : 0;
            last = now;
            if (System.nanoTime() > deadline) {
                LOG.log(System.Logger.Level.WARNING, "{0}: thread count still moving after {1}", server.name(), SETTLE);
                break;
            }
            LockSupport.parkNanos(Duration.ofMillis(500).toNanos());
        }
        jcmd(server.pid(), "GC.run");
        jcmd(server.pid(), "GC.run");
        Matcher heap = HEAP_USED.matcher(jcmd(server.pid(), "GC.heap_info"));
        if (!heap.find()) {
            throw new IllegalStateException("jcmd GC.heap_info of " + server.name() + ": no 'used' figure");
        }
        Map<String, Integer> byName = new TreeMap<>();
        List<String> sample = new ArrayList<>(); // a list: jnats' executor and scheduler number their threads alike
        String dump = jcmd(server.pid(), "Thread.print");
        Matcher t = THREAD.matcher(dump);
        int threads = 0;
        while (t.find()) {
            String name = t.group(1);
            byName.merge(name.replaceAll("\\d+", "N"), 1, Integer::sum);
            threads++;
            if (name.startsWith("mdb:bench.idle.0:") || name.startsWith("mdb:bench.idle.1 ")) {
                int next = dump.indexOf("\n\n", t.end());
                sample.add("`" + name + "`: `" + role(dump.substring(t.end(), next < 0 ? dump.length() : next)) + "`");
            }
        }
        return new Snapshot(Long.parseLong(heap.group(1)), threads, byName, connections(nats), sample);
    }

    /** @return the innermost jnats or adapter frame of a thread's stack, or its innermost frame */
    private static String role(String stack) {
        Matcher frame = Pattern.compile("\tat ([\\w.$]+)\\.([\\w$<>]+)\\(").matcher(stack);
        String innermost = null;
        while (frame.find()) {
            String f = frame.group(1).replaceAll(".*\\.", "") + "." + frame.group(2);
            if (innermost == null) {
                innermost = f;
            }
            if (frame.group(1).startsWith("io.nats") || frame.group(1).startsWith("dev.natsjca")) {
                return f;
            }
        }
        return innermost == null ? "?" : innermost;
    }

    private static void awaitConnections(NatsServer nats, int expected, AppServer server) {
        long deadline = System.nanoTime() + SETTLE.toNanos();
        while (connections(nats) < expected) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(server.name() + ": the idle activations did not connect within "
                        + SETTLE + " (" + connections(nats) + " connections, expected " + expected + "); see "
                        + server.log());
            }
            LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
        }
    }

    private static int connections(NatsServer nats) {
        Matcher m = Pattern.compile("\"num_connections\":\\s*(\\d+)").matcher(nats.monitor("/connz"));
        if (!m.find()) {
            throw new IllegalStateException("nats-server /connz without num_connections");
        }
        return Integer.parseInt(m.group(1));
    }

    private static String jcmd(long pid, String command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("jcmd", Long.toString(pid), command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("jcmd " + pid + " " + command + " failed: "
                    + new String(out, StandardCharsets.UTF_8));
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    /** @return the section of RESULTS.md for these results */
    static String markdown(List<Result> results) {
        int n = Ears.IDLE_ACTIVATIONS;
        StringBuilder md = new StringBuilder("\n## Memory and threads at rest\n\n")
                .append("Each server with the RAR deployed and no activation, then with ").append(n)
                .append(" idle activations (half core subscriptions, half JetStream pull consumers; nothing published "
                        + "to them), measured with `jcmd` once the thread count held still for 3 s: heap in use after "
                        + "two full collections, the JVM's threads by name (digits folded to N), connections the "
                        + "nats-server counts. Threads that ended meanwhile belong to the server's own elastic pools.\n\n")
                .append("| server | heap: none → ").append(n).append(" idle | heap per activation | threads: none → ")
                .append(n).append(" idle | NATS connections added | threads the activations added | per activation "
                        + "| server threads that ended meanwhile |\n")
                .append("|---|---:|---:|---:|---:|---|---:|---|\n");
        for (Result r : results) {
            List<String> added = new ArrayList<>();
            List<String> ended = new ArrayList<>();
            int addedCount = 0;
            for (Map.Entry<String, Integer> e : r.addedThreads().entrySet()) {
                String item = String.format(Locale.ROOT, "%+d `%s`", e.getValue(), e.getKey());
                if (e.getValue() > 0) {
                    added.add(item);
                    addedCount += e.getValue();
                } else {
                    ended.add(item);
                }
            }
            md.append(String.format(Locale.ROOT, "| %s | %.1f → %.1f MiB | %.0f KiB | %d → %d | %d | %s | %.1f | %s |%n",
                    r.server(), r.none().heapKiB() / 1024.0, r.idle().heapKiB() / 1024.0,
                    (r.idle().heapKiB() - r.none().heapKiB()) / (double) n, r.none().threads(), r.idle().threads(),
                    r.idle().natsConnections() - r.none().natsConnections(), String.join(", ", added),
                    addedCount / (double) n, ended.isEmpty() ? "–" : String.join(", ", ended)));
        }
        for (Result r : results) {
            md.append("\n").append(r.server()).append(": the threads of one core (`bench.idle.0`) and one JetStream "
                    + "(`bench.idle.1`) activation, each with its innermost jnats or adapter frame:\n\n");
            r.idle().sampleActivationThreads().forEach(line -> md.append("- ").append(line).append("\n"));
        }
        return md.toString();
    }
}
