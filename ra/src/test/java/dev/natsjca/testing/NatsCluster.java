package dev.natsjca.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A real NATS cluster for tests: {@code size} nats-server processes on loopback, routed to each
 * other, each with its own JetStream store, so that streams can have replicas and a test can kill
 * a node ({@code SIGKILL}), start it again, or put it into lame-duck mode. Nodes are named
 * {@code n1}, {@code n2}, … (the names JetStream reports as stream leaders).
 *
 * <p>Lame-duck mode is configured to last 60 s with a grace period of 20 s: a client that is still
 * connected after 20 s is one the server had to close, not one that moved.
 */
public final class NatsCluster implements AutoCloseable {

    /** How long a node in lame-duck mode waits before it starts closing its clients. */
    public static final Duration LAME_DUCK_GRACE = Duration.ofSeconds(20);
    private static final Duration FORMED = Duration.ofSeconds(60);
    private static final Pattern META_LEADER = Pattern.compile("\"meta_cluster\"\\s*:\\s*\\{[^}]*\"leader\"\\s*:\\s*\"([^\"]+)\"");
    private static final Pattern REMOTE_ID = Pattern.compile("\"remote_id\"\\s*:\\s*\"([^\"]+)\"");

    private final List<NatsServer> nodes = new ArrayList<>();
    private final Path config;

    private NatsCluster(List<Integer> clientPorts, List<Integer> routePorts) {
        int size = routePorts.size();
        try {
            config = Files.createTempFile("nats-cluster-", ".conf");
            Files.writeString(config, "lame_duck_duration: \"60s\"\nlame_duck_grace_period: \""
                    + LAME_DUCK_GRACE.toSeconds() + "s\"\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            for (int i = 0; i < size; i++) {
                int me = routePorts.get(i);
                String routes = routePorts.stream().filter(p -> p != me).map(p -> "nats://127.0.0.1:" + p)
                        .collect(Collectors.joining(","));
                nodes.add(NatsServer.start(clientPorts.get(i), "-c", config.toString(), "--cluster_name", "nats-jca-test",
                        "--server_name", "n" + (i + 1), "--cluster", "nats://127.0.0.1:" + me, "--routes", routes));
            }
            awaitFormed();
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Starts a cluster of {@code size} nodes and waits until its routes and JetStream meta leader are up. */
    public static NatsCluster start(int size) {
        List<Integer> free = new ArrayList<>();
        List<Integer> routes = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            free.add(0);
            routes.add(freePort());
        }
        return new NatsCluster(free, routes);
    }

    /**
     * Starts a cluster on the given ports (reserved by the build, so that servers started before
     * it know its URLs), one node per route port.
     *
     * @param clientPorts the nodes' client ports, 0 for a free one
     * @param routePorts the nodes' route ports
     */
    public static NatsCluster start(List<Integer> clientPorts, List<Integer> routePorts) {
        if (clientPorts.size() != routePorts.size()) {
            throw new IllegalArgumentException("one client port per route port: " + clientPorts + ", " + routePorts);
        }
        return new NatsCluster(clientPorts, routePorts);
    }

    /** @return the node named {@code n<i+1>} */
    public NatsServer node(int i) {
        return nodes.get(i);
    }

    /** @return the node JetStream calls {@code name} ({@code n1}, …) */
    public NatsServer node(String name) {
        return nodes.get(index(name));
    }

    /** @return the index of the node JetStream calls {@code name} */
    public int index(String name) {
        if (name == null || !name.matches("n\\d+") || Integer.parseInt(name.substring(1)) > nodes.size()) {
            throw new IllegalArgumentException("No node named '" + name + "' in this cluster of " + nodes.size());
        }
        return Integer.parseInt(name.substring(1)) - 1;
    }

    /** @return every node's URL, comma-separated, as a client's server list */
    public String urls() {
        return nodes.stream().map(NatsServer::url).collect(Collectors.joining(","));
    }

    /** Starts a killed or stopped node again and waits until it has its routes back. */
    public void startAgain(int i) {
        nodes.get(i).startAgain();
        awaitFormed();
    }

    /** Waits until every running node has a route to every other running node and knows the meta leader. */
    public void awaitFormed() {
        List<NatsServer> running = nodes.stream().filter(NatsServer::isRunning).collect(Collectors.toList());
        Await.until(FORMED, () -> "cluster formed: " + running.stream().map(n -> n.port() + ": routed to "
                        + peers(n) + " nodes, meta leader " + find(META_LEADER, n.monitor("/jsz")))
                        .collect(Collectors.joining("; ")),
                () -> running.stream().allMatch(n -> peers(n) >= running.size() - 1
                        && find(META_LEADER, n.monitor("/jsz")) != null));
    }

    /** @return how many other nodes {@code n} has routes to (2.10+ pools several routes per peer) */
    private static long peers(NatsServer n) {
        Matcher m = REMOTE_ID.matcher(n.monitor("/routez"));
        return m.results().map(r -> r.group(1)).distinct().count();
    }

    private static String find(Pattern p, String json) {
        Matcher m = p.matcher(json);
        return m.find() ? m.group(1) : null;
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        for (NatsServer n : nodes) {
            n.close();
        }
        try {
            Files.deleteIfExists(config);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
