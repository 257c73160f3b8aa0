package dev.natsjca.outbound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Collectors;

import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.natsjca.api.NatsConnection;
import dev.natsjca.inbound.NatsActivationSpec;
import dev.natsjca.testing.Await;
import dev.natsjca.testing.NatsCluster;
import dev.natsjca.testing.NatsServer;
import dev.natsjca.testing.Specs;
import dev.natsjca.testing.StartedAdapter;
import dev.natsjca.testing.TestEndpointFactory;
import dev.natsjca.testing.TestXid;
import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.PublishOptions;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;

/**
 * The adapter on a three-node cluster with a replicated stream: a node in lame-duck mode is left
 * before it closes anyone (activations at once, pooled connections as soon as nothing is under
 * way) without a warning; the stream leader's node killed under an activation and a pooled
 * connection loses no committed message. The adapter is given only the first node's URL: it
 * moves to the nodes the cluster told it about.
 */
class ClusterFailoverTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String STREAM = "CLUSTER";

    private NatsCluster cluster;
    private StartedAdapter started;
    private final List<NatsManagedConnection> pooled = new ArrayList<>();
    private final List<String> warnings = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            if (r.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue()) {
                warnings.add(r.getLoggerName() + ": " + new java.util.logging.SimpleFormatter().formatMessage(r));
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void start() {
        cluster = NatsCluster.start(3);
        Logger.getLogger("dev.natsjca").addHandler(capture);
    }

    @AfterEach
    void stop() throws Exception {
        Logger.getLogger("dev.natsjca").removeHandler(capture);
        for (NatsManagedConnection mc : pooled) {
            mc.destroy();
        }
        if (started != null) {
            started.close();
        }
        cluster.close();
    }

    /** The stream, three replicas, its leader on {@code leaderIndex}'s node. */
    private void createStream(Connection client, int leaderIndex) throws Exception {
        JetStreamManagement jsm = client.jetStreamManagement();
        jsm.addStream(StreamConfiguration.builder().name(STREAM).subjects("cluster.>").replicas(3)
                .storageType(StorageType.File).build());
        String wanted = "n" + (leaderIndex + 1);
        Await.until(WAIT, () -> "stream leader " + wanted + ", is " + leader(jsm), () -> {
            String now = leader(jsm);
            if (now != null && !now.equals(wanted)) {
                // Ask the leader to step down until the one the test needs takes over.
                try {
                    client.request("$JS.API.STREAM.LEADER.STEPDOWN." + STREAM, new byte[0], Duration.ofSeconds(5));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return wanted.equals(leader(jsm));
        });
    }

    private static String leader(JetStreamManagement jsm) {
        try {
            return jsm.getStreamInfo(STREAM).getClusterInfo().getLeader();
        } catch (Exception e) {
            return null;
        }
    }

    private NatsManagedConnection pooledConnection(String url) throws Exception {
        NatsManagedConnectionFactory mcf = new NatsManagedConnectionFactory();
        mcf.setServerUrls(url);
        mcf.setReconnectWait("100");
        mcf.setMaxReconnects("-1");
        NatsManagedConnection mc = (NatsManagedConnection) mcf.createManagedConnection(null, null);
        pooled.add(mc);
        return mc;
    }

    private static String serverOf(NatsManagedConnection mc) {
        Connection c = mc.jnats();
        return c.getStatus() == Connection.Status.CONNECTED ? c.getServerInfo().getServerName() : null;
    }

    /** @return how many of the adapter's activation connections {@code node} has */
    private static long activationConnections(NatsServer node) {
        String connz = node.monitor("/connz?limit=1024");
        return java.util.regex.Pattern.compile("\"name\"\\s*:\\s*\"mdb:").matcher(connz).results().count();
    }

    /** Commits one message in a one-phase transaction on {@code mc}, as a bean's would. */
    private static void commitOne(NatsManagedConnection mc, String body) throws Exception {
        NatsConnection handle = (NatsConnection) mc.getConnection(null, null);
        XAResource xa = mc.getXAResource();
        Xid xid = new TestXid();
        xa.start(xid, XAResource.TMNOFLAGS);
        handle.jetStreamPublish("cluster.orders", null, body.getBytes(StandardCharsets.UTF_8),
                PublishOptions.builder().messageId(body).build());
        xa.end(xid, XAResource.TMSUCCESS);
        try {
            xa.commit(xid, true);
        } finally {
            handle.close();
            mc.cleanup();
        }
    }

    private static Map<String, Long> counts(TestEndpointFactory endpoint) {
        return endpoint.received().stream().map(r -> new String(r.data(), StandardCharsets.UTF_8))
                .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
    }

    @Test
    void theLeaderBucketGetsTheReplicasTheElectionAsksForAndKeepsItsKeyWhenTheyChange() throws Exception {
        NatsManagedConnection mc = pooledConnection(cluster.urls());
        try (NatsConnection handle = (NatsConnection) mc.getConnection(null, null)) {
            dev.natsjca.leader.LeaderElection single = dev.natsjca.leader.LeaderElection.builder().bucket("cluster_leader")
                    .key("job").candidate("one").ttl(Duration.ofSeconds(5)).build();
            dev.natsjca.leader.Leadership first = single.tick(handle);
            assertTrue(first.isLeader());
            JetStreamManagement jsm = handle.jetStreamManagement();
            assertEquals(1, jsm.getStreamInfo("KV_cluster_leader").getConfiguration().getReplicas());

            dev.natsjca.leader.LeaderElection replicated = dev.natsjca.leader.LeaderElection.builder()
                    .bucket("cluster_leader").key("job").candidate("two").ttl(Duration.ofSeconds(5)).replicas(3).build();
            assertTrue(replicated.toString().contains("replicas 3"), replicated.toString());
            dev.natsjca.leader.Leadership other = replicated.tick(handle);
            assertEquals(3, jsm.getStreamInfo("KV_cluster_leader").getConfiguration().getReplicas());
            assertTrue(!other.isLeader(), "the key survived the change: 'one' still leads");
            // While the stream moves to three replicas a renewal may fail (2.9): 'one' then leads
            // again once the key is back in reach, with a higher token either way.
            dev.natsjca.leader.Leadership[] again = new dev.natsjca.leader.Leadership[1];
            Await.until(WAIT, "'one' leading after the change", () -> (again[0] = single.tick(handle)).isLeader());
            assertTrue(again[0].token() > first.token(), "'one' leads with a higher token");
            assertTrue(!other.isLeader() && !replicated.tick(handle).isLeader(), "one leader");
            dev.natsjca.leader.LeaderElection unset = dev.natsjca.leader.LeaderElection.builder()
                    .bucket("cluster_leader").key("job").candidate("three").ttl(Duration.ofSeconds(5)).build();
            unset.tick(handle);
            assertEquals(3, jsm.getStreamInfo("KV_cluster_leader").getConfiguration().getReplicas(),
                    "an election that asks for no replicas leaves the bucket's alone");
        }
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> dev.natsjca.leader.LeaderElection.builder().replicas(7));
        assertEquals("Invalid value for leader election property 'replicas': '7': must be 1 to 5", e.getMessage());
    }

    @Test
    void anEphemeralConsumerAndAWatchesBucketAreReplicatedLikeTheirStreamSoANodeLossMovesThem() throws Exception {
        try (Connection client = Nats.connect(Options.builder().server(cluster.node(1).url()).build())) {
            createStream(client, 1);
            started = new StartedAdapter(cluster.urls(), 8);
            started.adapter().endpointActivation(new TestEndpointFactory("ephemeral"),
                    Specs.of("cluster.orders", STREAM, null));
            NatsActivationSpec watch = new NatsActivationSpec();
            watch.setBucket("cluster_config");
            watch.setBucketDeclaration("ensure");
            watch.setBucketReplicas("3");
            started.adapter().endpointActivation(new TestEndpointFactory("watch").watching(c -> { }), watch);
            JetStreamManagement jsm = client.jetStreamManagement();
            Await.untilServer(WAIT, "an ephemeral consumer of three replicas on " + STREAM, () ->
                    jsm.getConsumers(STREAM).stream().anyMatch(ci -> ci.getConsumerConfiguration().getDurable() == null
                            && ci.getConsumerConfiguration().getNumReplicas() == 3));
            Await.untilServer(WAIT, "bucket cluster_config with three replicas", () ->
                    jsm.getStreamInfo("KV_cluster_config").getConfiguration().getReplicas() == 3);
            Await.untilServer(WAIT, "the watch's ephemeral consumer with three replicas", () ->
                    jsm.getConsumers("KV_cluster_config").stream()
                            .anyMatch(ci -> ci.getConsumerConfiguration().getNumReplicas() == 3));
        }
    }

    @Test
    void aLameDuckNodeIsLeftBeforeItClosesAnyoneWithoutAWarningAndNothingIsLost() throws Exception {
        NatsServer duck = cluster.node(0);
        try (Connection client = Nats.connect(Options.builder().server(cluster.node(1).url()).build())) {
            createStream(client, 1);
            started = new StartedAdapter(duck.url(), 8);
            TestEndpointFactory endpoint = new TestEndpointFactory("ldm");
            NatsActivationSpec spec = Specs.of("cluster.orders", STREAM, "ldm-worker");
            started.adapter().endpointActivation(endpoint, spec);
            NatsManagedConnection idle = pooledConnection(duck.url());
            NatsManagedConnection busy = pooledConnection(duck.url());
            Await.until(WAIT, "the activation connected to n1", () -> activationConnections(duck) == 1);
            assertEquals("n1", serverOf(idle));
            assertEquals("n1", serverOf(busy));
            for (int i = 0; i < 50; i++) {
                commitOne(idle, "before-" + i);
            }
            Await.until(WAIT, () -> "50 before, got " + counts(endpoint).size(), () -> counts(endpoint).size() == 50);

            // A transaction under way on `busy` when the node turns lame duck.
            NatsConnection handle = (NatsConnection) busy.getConnection(null, null);
            XAResource xa = busy.getXAResource();
            Xid xid = new TestXid();
            xa.start(xid, XAResource.TMNOFLAGS);
            handle.jetStreamPublish("cluster.orders", null, "in-flight".getBytes(StandardCharsets.UTF_8),
                    PublishOptions.builder().messageId("in-flight").build());

            long ldmAt = System.nanoTime();
            duck.lameDuck();
            Await.until(NatsCluster.LAME_DUCK_GRACE.minusSeconds(5), () -> "activation and idle connection off n1: "
                    + activationConnections(duck) + " activation(s) there, idle on " + serverOf(idle),
                    () -> activationConnections(duck) == 0 && serverOf(idle) != null && !"n1".equals(serverOf(idle)));
            long movedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - ldmAt);
            assertEquals("n1", serverOf(busy), "a connection with a transaction under way stays until it is over");

            xa.end(xid, XAResource.TMSUCCESS);
            xa.commit(xid, true); // on n1 still: it answers until its grace period is over
            handle.close();
            busy.cleanup();
            Await.until(NatsCluster.LAME_DUCK_GRACE.minusSeconds(5), () -> "the busy connection off n1 once idle, on "
                    + serverOf(busy), () -> serverOf(busy) != null && !"n1".equals(serverOf(busy)));
            long busyMovedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - ldmAt);
            assertTrue(busyMovedMillis < NatsCluster.LAME_DUCK_GRACE.toMillis(),
                    "moved after the grace period: the server closed it, " + busyMovedMillis + " ms");

            long reconnects = busy.jnats().getStatistics().getReconnects();
            for (int i = 0; i < 50; i++) {
                commitOne(i % 2 == 0 ? idle : busy, "after-" + i);
            }
            assertEquals(reconnects, busy.jnats().getStatistics().getReconnects(),
                    "moved once: on its new server it stays");
            Await.until(WAIT, () -> "all 101, got " + counts(endpoint).size(), () -> counts(endpoint).size() == 101);
            Map<String, Long> twice = counts(endpoint).entrySet().stream().filter(e -> e.getValue() > 1)
                    .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
            assertEquals(Map.of(), twice, "delivered more than once");
            assertEquals(List.of(), warnings, "moving off a lame duck is not a failure");
            System.out.printf("FIGURE lame duck: activation and idle pooled connection moved %d ms after ldm, "
                    + "busy one %d ms (after its commit); 101 committed, 101 delivered once%n", movedMillis,
                    busyMovedMillis);
        }
    }

    @Test
    void theStreamLeadersNodeKilledUnderAnActivationAndAPooledConnectionLosesNoCommittedMessage() throws Exception {
        NatsServer victim = cluster.node(0);
        try (Connection client = Nats.connect(Options.builder().server(cluster.node(1).url()).build())) {
            createStream(client, 0); // the leader on the node that dies
            started = new StartedAdapter(victim.url(), 8);
            TestEndpointFactory endpoint = new TestEndpointFactory("kill");
            started.adapter().endpointActivation(endpoint, Specs.of("cluster.orders", STREAM, "kill-worker"));
            NatsManagedConnection mc = pooledConnection(victim.url());
            Await.until(WAIT, "the activation connected to n1", () -> activationConnections(victim) == 1);
            assertEquals("n1", serverOf(mc));

            Set<String> committed = ConcurrentHashMap.newKeySet();
            int failed = 0;
            List<String> failures = new ArrayList<>();
            Set<String> nothingSent = ConcurrentHashMap.newKeySet();
            long killedAt = 0;
            long firstCommitAfter = -1;
            for (int i = 0; i < 400; i++) {
                if (i == 150) {
                    victim.kill();
                    killedAt = System.nanoTime();
                }
                String body = "m-" + i;
                try {
                    commitOne(mc, body);
                    committed.add(body);
                    if (killedAt != 0 && firstCommitAfter < 0) {
                        firstCommitAfter = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
                    }
                } catch (javax.transaction.xa.XAException e) {
                    failed++; // the application sees it: its transaction rolled back or its outcome is reported
                    if (String.valueOf(e.getCause()).contains("Stored: none; sent, not confirmed (core NATS, or no "
                            + "acknowledgement): none")) {
                        nothingSent.add(body);
                    }
                    if (failures.size() < 3) {
                        failures.add(e.errorCode + " " + e.getMessage() + " / " + e.getCause());
                    }
                }
            }
            assertNotEquals("n1", serverOf(mc), "the pooled connection moved to a live node");
            assertTrue(committed.size() >= 300, "most commits succeed through the fail-over: " + committed.size()
                    + " of 400, " + failed + " failed, first " + failures);
            Await.until(WAIT, () -> "every committed message delivered, missing "
                    + committed.stream().filter(b -> !counts(endpoint).containsKey(b)).limit(10).collect(Collectors.toList()),
                    () -> counts(endpoint).keySet().containsAll(committed));
            long duplicates = counts(endpoint).values().stream().filter(n -> n > 1).count();
            // What a rolled-back commit reported as not sent never arrives, not even from jnats'
            // reconnect buffer: it would have gone out on this connection before the later commits
            // just awaited.
            assertEquals(List.of(), nothingSent.stream().filter(counts(endpoint)::containsKey).collect(Collectors.toList()),
                    "messages of rolled-back commits delivered");
            System.out.printf("FIGURE stream leader killed: %d of 400 committed (%d failed and reported), first commit "
                    + "%d ms after the kill, %d committed delivered, %d delivered twice (at-least-once)%n",
                    committed.size(), failed, firstCommitAfter, committed.size(), duplicates);
        }
    }
}
