package dev.natsjca.leader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.natsjca.api.NatsConnection;
import dev.natsjca.api.NatsConnectionFactory;
import dev.natsjca.outbound.NatsManagedConnectionFactory;
import dev.natsjca.testing.Await;
import dev.natsjca.testing.NatsServer;
import dev.natsjca.testing.NatsServerExtension;
import io.nats.client.KeyValue;

/**
 * Leader election against a real nats-server: several candidates in one JVM, each with its own
 * connection handle (its own physical connection), ticked in rounds without sleeping.
 */
class LeaderElectionTest {

    private static final String KEY = "timer";
    private static final Duration TTL = Duration.ofSeconds(1);
    private static final Duration WAIT = Duration.ofSeconds(10);
    /**
     * One tick beyond the TTL, as the slowest takeover may need: the polling interval (20 ms), the
     * ticks themselves, the server's expiry timer, and headroom for a loaded two-core CI machine.
     */
    private static final Duration ONE_TICK = Duration.ofMillis(300);

    @RegisterExtension
    static final NatsServerExtension NATS = NatsServerExtension.onFreePort();

    private final List<NatsConnection> opened = new ArrayList<>();
    private final LogCapture log = new LogCapture();
    private NatsConnectionFactory factory;
    private String bucket;

    @BeforeEach
    void setUp(TestInfo info) {
        factory = factoryFor(NATS.server().url());
        bucket = "le_" + info.getTestMethod().orElseThrow().getName();
        log.start();
    }

    @AfterEach
    void tearDown() {
        log.stop();
        opened.forEach(NatsConnection::close);
    }

    @Test
    void replicasTheServerCannotHaveLeaveTheBucketAsItIsAndTheElectionLeading() {
        // 2.9 takes 3 replicas on a single server without a word (and keeps one): nothing is refused there.
        org.junit.jupiter.api.Assumptions.assumeTrue(NatsServer.atLeast("2.10.0"), "2.9 refuses no replica count");
        try (NatsConnection c = factory.getConnection()) {
            LeaderElection plain = LeaderElection.builder().bucket(bucket).key(KEY).candidate("one").ttl(TTL).build();
            assertTrue(plain.tick(c).isLeader());
            // A single server has no room for 3 replicas: the change is refused, once, with a WARNING.
            LeaderElection three = LeaderElection.builder().bucket(bucket).key(KEY).candidate("two").ttl(TTL)
                    .replicas(3).build();
            assertTrue(!three.tick(c).isLeader(), "'one' leads");
            assertTrue(!three.tick(c).isLeader(), "'one' leads");
            assertTrue(plain.tick(c).isLeader(), "the bucket works as it is");
            assertEquals(1, c.jetStreamManagement().getStreamInfo("KV_" + bucket).getConfiguration().getReplicas());
            assertEquals(1, log.count(Level.WARNING, "refused to change the bucket's replicas from 1 to 3"), log.text());
        } catch (java.io.IOException | io.nats.client.JetStreamApiException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void exactlyOneLeaderAtEveryTick() {
        List<Node> nodes = List.of(node("n1"), node("n2"), node("n3"));
        Random random = new Random(42);
        int acquisitions = 0;
        int stepDowns = 0;
        for (int round = 0; round < 300; round++) {
            List<Node> leaders = leaders(nodes);
            if (leaders.size() == 1 && random.nextInt(15) == 0) {
                leaders.get(0).stepDown();
                stepDowns++;
            }
            for (Node n : rotated(nodes, round)) {
                boolean led = n.leads();
                if (n.tick().isLeader() && !led) {
                    acquisitions++;
                }
                assertTrue(leaders(nodes).size() <= 1, "round " + round + ", after " + n.name + "'s tick: " + nodes);
            }
            assertEquals(1, leaders(nodes).size(), "round " + round + ": " + nodes);
        }
        assertTrue(stepDowns >= 5, "leadership changed hands only " + stepDowns + " times");
        // Observability: one line per change, none per renewal, no warnings on a healthy run.
        assertEquals(acquisitions, log.count(Level.INFO, "is now the leader"), log.text());
        assertEquals(stepDowns, log.count(Level.INFO, "stepped down"), log.text());
        assertEquals(1, log.count(Level.INFO, "created the bucket"), log.text());
        assertEquals(acquisitions + stepDowns + 1, log.count(Level.INFO, ""), log.text());
        assertEquals(0, log.count(Level.WARNING, ""), log.text());
    }

    @Test
    void tokensStrictlyIncreaseAcrossLeadershipChanges() {
        List<Node> nodes = List.of(node("n1"), node("n2"), node("n3"));
        List<Long> tokens = new ArrayList<>();
        Set<String> holders = new HashSet<>();
        Node current = null;
        int changes = 0;
        for (int round = 0; round < 90; round++) {
            List<Node> order = nodes;
            if (current != null && round % 3 == 0) {
                current.stepDown();
                int i = nodes.indexOf(current);
                order = List.of(nodes.get((i + 1) % 3), nodes.get((i + 2) % 3), current);
            }
            for (Node n : order) {
                Leadership l = n.tick();
                if (l.isLeader()) {
                    if (!tokens.isEmpty()) {
                        long previous = tokens.get(tokens.size() - 1);
                        assertTrue(l.token() > previous, n.name + " got token " + l.token() + " after " + previous
                                + (n != current ? " (a leadership change)" : " (a renewal)"));
                    }
                    tokens.add(l.token());
                    if (n != current) {
                        changes++;
                        current = n;
                        holders.add(n.name);
                    }
                }
            }
        }
        assertTrue(changes >= 25, "only " + changes + " leadership changes");
        assertEquals(Set.of("n1", "n2", "n3"), holders);
    }

    @Test
    void steppingDownHandsOverAtTheNextTick() throws Exception {
        Node a = node("n\u00f6de-a");
        Node b = node("n-b");
        Node c = node("n-c");
        assertTrue(a.tick().isLeader());
        assertFalse(b.tick().isLeader());
        assertFalse(c.tick().isLeader());
        assertEquals("n\u00f6de-a", new String(adminKv().get(KEY).getValue(), StandardCharsets.UTF_8),
                "the key holds the leader's name in UTF-8");

        c.stepDown(); // a node that does not lead has nothing to give up
        assertTrue(a.tick().isLeader(), "a non-leader's step-down left the leader alone");
        long aToken = a.last.token();

        long steppedDown = System.nanoTime();
        a.stepDown();
        assertFalse(a.last.isLeader());
        Leadership taken = b.tick();
        Duration handover = Duration.ofNanos(System.nanoTime() - steppedDown);
        assertTrue(taken.isLeader(), "b leads at its first tick after a stepped down: " + b);
        assertTrue(handover.compareTo(TTL.dividedBy(2)) < 0, "handover took " + handover + ", not a TTL");
        assertTrue(taken.token() > aToken, taken.token() + " after " + aToken);
        assertFalse(c.tick().isLeader());
        assertFalse(a.tick().isLeader());
        assertTrue(b.tick().isLeader());
    }

    @Test
    void crashedLeaderIsReplacedWithinTtlPlusOneTick() {
        Node a = node("a");
        Node b = node("b");
        Node c = node("c");
        for (int i = 0; i < 5; i++) {
            a.tick();
            b.tick();
            c.tick();
        }
        long lastTickStarted = System.nanoTime();
        assertTrue(a.tick().isLeader());
        long lastTickEnded = System.nanoTime();
        long aToken = a.last.token();

        // a crashes: it never ticks again. b and c go on ticking until one of them leads.
        Await.until(WAIT, () -> "b or c to lead: " + b + ", " + c, () -> b.tick().isLeader() | c.tick().isLeader());
        long now = System.nanoTime();
        Duration sinceLastEnded = Duration.ofNanos(now - lastTickEnded);
        Duration sinceLastStarted = Duration.ofNanos(now - lastTickStarted);
        Node successor = b.leads() ? b : c;

        assertTrue(sinceLastEnded.compareTo(TTL.plus(ONE_TICK)) <= 0,
                "takeover " + sinceLastEnded + " after the crashed leader's last renewal; TTL " + TTL);
        assertTrue(sinceLastStarted.compareTo(TTL.minusMillis(10)) >= 0,
                "takeover only " + sinceLastStarted + " after the crashed leader's last renewal: before its TTL ran out");
        assertFalse(a.last.isLeader(), "the crashed leader's last result no longer claims leadership");
        assertTrue(successor.last.token() > aToken, successor.last.token() + " after " + aToken);
        assertEquals(1, leaders(List.of(a, b, c)).size());
    }

    @Test
    void leaderPausedPastTheTtlLearnsItLostWithoutAskingTheServer() {
        Node a = node("a");
        Node b = node("b");
        Node c = node("c");
        assertTrue(a.tick().isLeader());
        b.tick();
        c.tick();
        Leadership beforePause = a.last;
        long aToken = beforePause.token();

        // a is paused (GC, suspended VM): it does not tick while b and c go on.
        Await.until(WAIT, () -> "b or c to lead: " + b + ", " + c, () -> b.tick().isLeader() | c.tick().isLeader());
        Node successor = b.leads() ? b : c;
        assertFalse(beforePause.isLeader(), "a's result from before the pause still claims leadership: " + beforePause);
        assertTrue(successor.last.token() > aToken, successor.last.token() + " after " + aToken);

        int writes = a.handle.writes.get();
        int lookups = a.handle.keyValueLookups.get();
        Leadership back = a.tick();
        assertFalse(back.isLeader(), "a resumed and still claims leadership: " + back);
        assertThrows(IllegalStateException.class, back::token, "a resumed and reports a token");
        assertEquals(writes, a.handle.writes.get(), "a's TTL had run out locally: no renewal may be sent");
        assertEquals(lookups, a.handle.keyValueLookups.get(), "a's TTL had run out locally: nothing to ask the server");
        assertEquals(1, log.count(Level.WARNING, "no renewal succeeded within the lease"), log.text());

        assertTrue(successor.tick().isLeader(), "a's return disturbed the new leader");
        assertFalse(a.tick().isLeader(), "a is a candidate again, and the key is taken");
    }

    @Test
    void leaderPausedDuringARenewalDoesNotReportTheStaleToken() throws Exception {
        Node a = node("a");
        Node b = node("b");
        Node c = node("c");
        assertTrue(a.tick().isLeader());
        b.tick();
        c.tick();

        CountDownLatch renewalStored = new CountDownLatch(1);
        CountDownLatch resume = new CountDownLatch(1);
        AtomicLong staleRevision = new AtomicLong();
        a.handle.afterWrite = (method, result) -> {
            if (method.equals("update")) {
                staleRevision.set((Long) result);
                renewalStored.countDown();
                assertTrue(resume.await(WAIT.toMillis(), TimeUnit.MILLISECONDS));
            }
        };
        ExecutorService aThread = Executors.newSingleThreadExecutor();
        try {
            Future<Leadership> pending = aThread.submit(a::tick);
            assertTrue(renewalStored.await(WAIT.toMillis(), TimeUnit.MILLISECONDS), "a's renewal was not sent");
            // The server stored a's renewal; a is paused before it reads the answer. b and c go on.
            Await.until(WAIT, () -> "b or c to lead: " + b + ", " + c, () -> b.tick().isLeader() | c.tick().isLeader());
            Node successor = b.leads() ? b : c;
            resume.countDown();
            Leadership late = pending.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);

            assertFalse(late.isLeader(), "a reports leadership after its TTL ran out: " + late);
            assertThrows(IllegalStateException.class, late::token,
                    "a reports the stale token " + staleRevision + " while " + successor.name + " leads");
            assertTrue(successor.last.token() > staleRevision.get(),
                    successor.last.token() + " after " + staleRevision);
        } finally {
            resume.countDown();
            aThread.shutdownNow();
        }
        a.handle.afterWrite = (method, result) -> { };
        assertFalse(a.tick().isLeader());
        assertEquals(1, leaders(List.of(a, b, c)).size(), List.of(a, b, c).toString());
    }

    @Test
    void renewalIsRefusedOnceTheKeyMovedOn() throws Exception {
        Node a = node("a");
        Node b = node("b");

        // The key is deleted behind the leader's back (an operator, a bug) and b takes it.
        assertTrue(a.tick().isLeader());
        assertFalse(b.tick().isLeader());
        KeyValue admin = adminKv();
        admin.delete(KEY);
        assertTrue(b.tick().isLeader(), "b takes the key over the delete marker");
        assertFalse(a.tick().isLeader(), "a renewed a key b holds");
        assertTrue(b.tick().isLeader());

        // Now b believes it leads while a took the key: b's step-down must not delete a's key.
        admin.delete(KEY);
        assertTrue(a.tick().isLeader());
        b.stepDown();
        assertTrue(a.tick().isLeader(), "b's step-down deleted the key a holds");

        // A failed renewal ends leadership for that tick, even when the key is free: no retry as leader.
        long before = a.last.token();
        admin.delete(KEY);
        assertFalse(a.tick().isLeader(), "a retried as leader in the tick its renewal failed");
        Leadership again = a.tick();
        assertTrue(again.isLeader(), "a candidate again at the next tick, and the key is free");
        assertTrue(again.token() > before);
    }

    @Test
    void candidatesCreatingTheBucketAtOnceIsHarmless() throws Exception {
        List<Node> nodes = List.of(node("n1"), node("n2"), node("n3"));
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(nodes.size());
        try {
            List<Future<Leadership>> first = new ArrayList<>();
            for (Node n : nodes) {
                first.add(pool.submit(() -> {
                    assertTrue(go.await(WAIT.toMillis(), TimeUnit.MILLISECONDS));
                    return n.tick();
                }));
            }
            go.countDown();
            for (Future<Leadership> f : first) {
                assertNotNull(f.get(WAIT.toMillis(), TimeUnit.MILLISECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, leaders(nodes).size(), nodes.toString());
        assertEquals(0, log.count(Level.WARNING, ""), log.text());
    }

    @Test
    void nodeConfiguredWithAnotherTtlAdoptsTheBucketARivalJustCreated() {
        Node a = node("a");
        Node d = node(factory, "d", Duration.ofSeconds(3), null);
        // d finds no bucket, but a creates it (TTL 1 s) before d's own create (TTL 3 s) arrives.
        d.handle.beforeBucketCreate = a::tick;
        assertFalse(d.tick().isLeader());
        assertTrue(a.leads(), a.toString());
        assertEquals(0, log.count(Level.WARNING, "cannot try for leadership"), log.text());
        assertEquals(1, log.count(Level.WARNING, "found the bucket with TTL PT1S, not PT3S"), log.text());

        a.stepDown();
        Leadership l = d.tick();
        assertTrue(l.isLeader(), l.toString());
        assertTrue(l.remaining().compareTo(TTL) <= 0,
                "d must count leadership by the bucket's TTL of " + TTL + ", has " + l.remaining());
    }

    @Test
    void aRivalCreatingTheBucketAtTheSameTimeNeverPurgesTheFirstLeadersKey() throws Exception {
        Node a = node("a");
        Node d = node("d");
        CountDownLatch dReady = new CountDownLatch(1);
        CountDownLatch aCreated = new CountDownLatch(1);
        CountDownLatch dCreated = new CountDownLatch(1);
        CountDownLatch aLed = new CountDownLatch(1);
        ExecutorService rival = Executors.newSingleThreadExecutor();
        try {
            // Both find no bucket; d takes its floor after a's, creates after a, and goes on
            // (finishing the bucket, trying for the key) only once a leads.
            a.handle.beforeBucketCreate = () -> {
                long floor = LeaderBucket.floorNow();
                Await.until(WAIT, "the clock to pass a's floor", () -> LeaderBucket.floorNow() > floor);
                rival.submit(d::tick);
                Await.until(WAIT, "d about to create", () -> dReady.getCount() == 0);
            };
            d.handle.beforeBucketCreate = () -> {
                dReady.countDown();
                Await.until(WAIT, "a's create", () -> aCreated.getCount() == 0);
            };
            a.handle.afterBucketCreate = () -> {
                aCreated.countDown();
                Await.until(WAIT, "d's create", () -> dCreated.getCount() == 0);
            };
            d.handle.afterBucketCreate = () -> {
                dCreated.countDown();
                Await.until(WAIT, "a to lead", () -> aLed.getCount() == 0);
            };
            assertTrue(a.tick().isLeader(), a.toString());
            long token = a.last.token();
            aLed.countDown();
            rival.shutdown();
            assertTrue(rival.awaitTermination(10, TimeUnit.SECONDS), "d's tick ended");
            assertFalse(d.leads(), "two leaders: " + a + " and " + d);
            assertEquals(token, adminKv().get(KEY).getRevision(), "a's key, as a wrote it");
            assertTrue(a.tick().isLeader(), "a renews: " + a);
        } finally {
            rival.shutdownNow();
        }
    }

    @Test
    void renewsThroughADifferentPhysicalConnectionEachTick() {
        LeaderElection a = election("a", TTL);
        LeaderElection b = election("b", TTL);
        long lastToken = 0;
        for (int i = 0; i < 5; i++) {
            try (NatsConnection c = factory.getConnection()) {
                Leadership l = a.tick(c);
                assertTrue(l.isLeader(), "tick " + i + ": " + l);
                assertTrue(l.token() > lastToken);
                lastToken = l.token();
            }
            try (NatsConnection c = factory.getConnection()) {
                assertFalse(b.tick(c).isLeader());
            }
        }
        try (NatsConnection c = factory.getConnection()) {
            a.stepDown(c);
        }
        try (NatsConnection c = factory.getConnection()) {
            assertTrue(b.tick(c).isLeader());
        }
    }

    @Test
    void leadershipRecoversAfterANatsServerRestart() throws Exception {
        Duration ttl = Duration.ofSeconds(3);
        Duration requestTimeout = Duration.ofMillis(200);
        try (NatsServer server = NatsServer.start()) {
            NatsConnectionFactory own = factoryFor(server.url());
            List<Node> nodes = new ArrayList<>();
            for (String name : List.of("n1", "n2", "n3")) {
                nodes.add(node(own, name, ttl, requestTimeout));
            }
            Ticker ticker = new Ticker(nodes);
            Node leader;
            try {
                Await.until(WAIT, () -> "one leader: " + nodes, () -> ticker.leaders() == 1);
                long settled = ticker.ticks.get();
                Await.until(WAIT, "60 ticks with a leader", () -> ticker.ticks.get() >= settled + 60);
                leader = leaders(nodes).get(0);
                long before = ticker.highestToken.get();
                assertTrue(before > 10, "the leader renewed: token " + before);

                server.stop(); // SIGTERM; the JetStream store stays for the restart
                long stopped = System.nanoTime();
                Await.until(WAIT, () -> "the leader to notice the outage: " + nodes, () -> ticker.leaders() == 0);
                Duration noticed = Duration.ofNanos(System.nanoTime() - stopped);
                assertTrue(noticed.compareTo(ttl) < 0, "the leader reported leadership " + noticed + " into the outage");

                server.startAgain();
                Await.until(WAIT, () -> "a leader after the restart: " + nodes, () -> ticker.leaders() == 1);
                long ticks = ticker.ticks.get();
                Await.until(WAIT, "60 more ticks", () -> ticker.ticks.get() >= ticks + 60);
                assertTrue(ticker.highestToken.get() > before,
                        "tokens go on increasing after the restart: " + ticker.highestToken + " after " + before);
            } finally {
                ticker.stop();
                nodes.forEach(n -> n.handle.close()); // before the server goes
            }
            assertEquals(List.of(), ticker.violations);
            assertEquals(1, leaders(nodes).size(), nodes.toString());
            // The outage ended leadership through the failed renewal, not by running out the TTL.
            assertEquals(1, log.count(Level.WARNING, "node '" + leader.name + "' lost leadership (token "), log.text());
            assertEquals(1, log.count(Level.WARNING, "the renewal failed"), log.text());
            assertEquals(0, log.count(Level.WARNING, "no renewal succeeded within the lease"), log.text());
        }
    }

    @Test
    void tokensKeepRisingWhenTheBucketIsDeletedAndCreatedAgainByTheElection() throws Exception {
        Node a = node("a");
        Node b = node("b");
        assertTrue(a.tick().isLeader());
        long before = a.last.token();
        a.stepDown();
        NatsConnection admin = factory.getConnection();
        opened.add(admin);
        admin.keyValueManagement().delete(bucket); // an operator's mistake, or a lost JetStream store
        Await.until(WAIT, () -> "a leader again: " + a + ", " + b, () -> b.tick().isLeader() || a.tick().isLeader());
        Node leader = a.leads() ? a : b;
        assertTrue(leader.last.token() > before, "token " + leader.last.token() + " after " + before);
        assertTrue(before >= LeaderBucket.floorNow() - 60_000_000L, "revisions start at the time in microseconds: "
                + before);
    }

    @Test
    void aBucketCreatedAnewOutsideTheElectionDoesNotHandOutATokenThatWentBackwards() throws Exception {
        Node a = node("a");
        Node b = node("b");
        assertTrue(a.tick().isLeader());
        assertFalse(b.tick().isLeader()); // b learns a's token from its refused acquire
        long before = a.last.token();
        a.stepDown();
        NatsConnection admin = factory.getConnection();
        opened.add(admin);
        admin.keyValueManagement().delete(bucket);
        admin.keyValueManagement().create(io.nats.client.api.KeyValueConfiguration.builder().name(bucket)
                .maxHistoryPerKey(1).ttl(TTL).build()); // by hand: revisions from 1 again

        Leadership l = b.tick();
        assertFalse(l.isLeader(), "b leads with a token below " + before + ": " + l);
        assertEquals(1, log.count(Level.SEVERE, "not above the token " + before), log.text());
        assertEquals(null, adminKv().get(KEY), "b kept the key it must not lead with");
    }

    @Test
    void tokensKeepRisingAcrossAServerKilledAndRestartedWithAnEmptyBucket() throws Exception {
        try (NatsServer server = NatsServer.start()) {
            NatsConnectionFactory own = factoryFor(server.url());
            Node a = node(own, "a", TTL, Duration.ofMillis(300));
            assertTrue(a.tick().isLeader());
            long before = a.last.token();
            a.stepDown();
            NatsConnection admin = own.getConnection();
            opened.add(admin);
            Await.until(WAIT, "the bucket empty: the step-down's marker expired past the TTL",
                    () -> bucketMessages(admin) == 0);
            server.kill();
            server.startAgain();
            Await.until(WAIT, () -> "a leads again: " + a, () -> a.tick().isLeader());
            assertTrue(a.last.token() > before, "token " + a.last.token() + " after " + before);
        }
    }

    private long bucketMessages(NatsConnection admin) {
        try {
            return admin.jetStreamManagement().getStreamInfo("KV_" + bucket).getStreamState().getMsgCount();
        } catch (Exception e) {
            return -1;
        }
    }

    @Test
    void aLeaderCountsALeaseShorterThanTheTtlSoItStopsBeforeTheServerCanExpireTheKey() throws Exception {
        Duration ttl = Duration.ofSeconds(2);
        Node a = node(factory, "a", ttl, null);
        assertTrue(a.tick().isLeader());
        assertEquals(Duration.ofMillis(1600), a.election.lease());
        assertTrue(a.last.remaining().compareTo(a.election.lease()) <= 0, a.last.toString());
        Await.until(WAIT, "the lease to run out", () -> !a.last.isLeader());
        assertNotNull(adminKv().get(KEY), "the key expired on the server before the leader stopped counting itself leader");
    }

    @Test
    void aBucketLeftHalfCreatedIsFinishedByTheNextCandidate() throws Exception {
        NatsConnection admin = factory.getConnection();
        opened.add(admin);
        long floor = LeaderBucket.floorNow();
        // A node created the stream with its placeholder subject, then stopped before finishing.
        admin.jetStreamManagement().addStream(io.nats.client.api.StreamConfiguration.builder().name("KV_" + bucket)
                .subjects("$KV." + bucket + "._creating").description(LeaderBucket.CREATING + floor)
                .maxMessagesPerSubject(1).maxAge(TTL).allowRollup(true).denyDelete(true).build());
        Node a = node("a");
        assertTrue(a.tick().isLeader(), a.toString());
        assertTrue(a.last.token() >= floor, "token " + a.last.token() + ", floor " + floor);
    }

    @Test
    void settingsAreValidatedNamingPropertyAndValue() {
        assertInvalid("bucket", "my bucket", () -> LeaderElection.builder().bucket("my bucket"));
        assertInvalid("bucket", "a.b", () -> LeaderElection.builder().bucket("a.b"));
        assertInvalid("key", "jobs.*", () -> LeaderElection.builder().key("jobs.*"));
        assertInvalid("key", ".timer", () -> LeaderElection.builder().key(".timer"));
        assertInvalid("key", "timer.", () -> LeaderElection.builder().key("timer."));
        assertInvalid("key", "a..b", () -> LeaderElection.builder().key("a..b"));
        assertInvalid("key", "_kv.x", () -> LeaderElection.builder().key("_kv.x"));
        assertInvalid("ttl", "PT0.999S", () -> LeaderElection.builder().ttl(Duration.ofMillis(999)));
        assertInvalid("requestTimeout", "PT0S", () -> LeaderElection.builder().requestTimeout(Duration.ZERO));
        assertInvalid("requestTimeout", "PT2S", () -> LeaderElection.builder().bucket("b").key("k")
                .ttl(Duration.ofSeconds(2)).requestTimeout(Duration.ofSeconds(2)).build());
        assertInvalid("candidate", " ", () -> LeaderElection.builder().candidate(" "));
        assertInvalid("bucket", "required", () -> LeaderElection.builder().key("k").build());
        assertInvalid("key", "required", () -> LeaderElection.builder().bucket("b").build());

        LeaderElection e = LeaderElection.builder().bucket("sample_leader").key("jobs/nightly.report=1")
                .ttl(Duration.ofSeconds(30)).build();
        assertEquals(Duration.ofSeconds(30), e.ttl());
        assertEquals(LeaderElection.DEFAULT_MAX_REQUEST_TIMEOUT, e.requestTimeout());
        assertEquals(Duration.ofMillis(500), LeaderElection.defaultRequestTimeout(Duration.ofSeconds(1)));
        assertEquals(LeaderElection.DEFAULT_TTL, LeaderElection.builder().bucket("b").key("k").build().ttl());
        assertThrows(NullPointerException.class, () -> e.tick(null));
        assertThrows(NullPointerException.class, () -> e.stepDown(null));
    }

    @Test
    void candidateDefaultsToTheServersNodeName() {
        Map<String, String> both = Map.of("jboss.node.name", "wildfly-1", "com.sun.aas.instanceName", "payara-1");
        assertEquals("wildfly-1", LeaderElection.defaultCandidate(both::get));
        assertEquals("payara-1", LeaderElection.defaultCandidate(Map.of("com.sun.aas.instanceName", "payara-1")::get));
        assertEquals("payara-1", LeaderElection.defaultCandidate(
                Map.of("jboss.node.name", " ", "com.sun.aas.instanceName", "payara-1")::get));
        UnaryOperator<String> none = p -> null;
        String host = LeaderElection.defaultCandidate(none);
        assertFalse(host.isBlank(), "the host name");
        assertEquals(host, LeaderElection.builder().bucket("b").key("k").build().candidate());
        assertEquals("mine", LeaderElection.builder().bucket("b").key("k").candidate("mine").build().candidate());
    }

    // ---------------------------------------------------------------------------------------------

    private static void assertInvalid(String property, String valueOrWord, Runnable build) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build::run);
        assertTrue(e.getMessage().contains("'" + property + "'"), e.getMessage());
        assertTrue(e.getMessage().contains(valueOrWord), e.getMessage());
    }

    private static NatsConnectionFactory factoryFor(String url) {
        NatsManagedConnectionFactory mcf = new NatsManagedConnectionFactory();
        mcf.setServerUrls(url);
        mcf.setMaxReconnects("-1");
        mcf.setReconnectWait("50");
        return (NatsConnectionFactory) mcf.createConnectionFactory();
    }

    private KeyValue adminKv() {
        NatsConnection admin = factory.getConnection();
        opened.add(admin);
        return admin.keyValue(bucket);
    }

    private LeaderElection election(String name, Duration ttl) {
        return LeaderElection.builder().bucket(bucket).key(KEY).ttl(ttl).candidate(name).build();
    }

    private Node node(String name) {
        return node(factory, name, TTL, null);
    }

    private Node node(NatsConnectionFactory from, String name, Duration ttl, Duration requestTimeout) {
        LeaderElection.Builder b = LeaderElection.builder().bucket(bucket).key(KEY).ttl(ttl).candidate(name);
        if (requestTimeout != null) {
            b.requestTimeout(requestTimeout);
        }
        NatsConnection handle = from.getConnection();
        opened.add(handle);
        return new Node(name, b.build(), new InterceptingConnection(handle));
    }

    private static List<Node> leaders(List<Node> nodes) {
        return nodes.stream().filter(Node::leads).collect(Collectors.toList());
    }

    private static List<Node> rotated(List<Node> nodes, int by) {
        List<Node> order = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            order.add(nodes.get((i + by) % nodes.size()));
        }
        return order;
    }

    /** One candidate: its election state, its own connection handle, its latest result. */
    private static final class Node {
        final String name;
        final LeaderElection election;
        final InterceptingConnection handle;
        volatile Leadership last;

        Node(String name, LeaderElection election, InterceptingConnection handle) {
            this.name = name;
            this.election = election;
            this.handle = handle;
        }

        Leadership tick() {
            last = election.tick(handle);
            return last;
        }

        void stepDown() {
            last = election.stepDown(handle);
        }

        boolean leads() {
            Leadership l = last;
            return l != null && l.isLeader();
        }

        @Override
        public String toString() {
            return String.valueOf(last == null ? name + ": not ticked" : last);
        }
    }

    /**
     * Ticks each node every 20 ms on its own thread, as each server's timer would, and records
     * any moment with two leaders and any token that does not exceed every earlier one.
     */
    private static final class Ticker {
        final List<String> violations = new CopyOnWriteArrayList<>();
        final AtomicLong ticks = new AtomicLong();
        final AtomicLong highestToken = new AtomicLong();
        private final List<Node> nodes;
        private final List<ScheduledExecutorService> threads = new ArrayList<>();

        Ticker(List<Node> nodes) {
            this.nodes = nodes;
            for (Node n : nodes) {
                ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor();
                thread.scheduleWithFixedDelay(() -> tick(n), 0, 20, TimeUnit.MILLISECONDS);
                threads.add(thread);
            }
        }

        private void tick(Node n) {
            try {
                Leadership l = n.tick();
                if (l.isLeader()) {
                    long previous = highestToken.getAndAccumulate(l.token(), Math::max);
                    if (l.token() <= previous) {
                        violations.add(n.name + " got token " + l.token() + " after " + previous);
                    }
                }
                if (leaders() > 1) {
                    violations.add("two leaders after " + n.name + "'s tick: " + nodes);
                }
                ticks.incrementAndGet();
            } catch (RuntimeException | Error e) {
                violations.add(n.name + "'s tick threw " + e);
            }
        }

        /**
         * How many nodes lead now. All results are read before any is asked, so a result that
         * another thread stores meanwhile cannot pair with an older one the clock has already ended.
         */
        int leaders() {
            List<Leadership> results = nodes.stream().map(n -> n.last).collect(Collectors.toList());
            return (int) results.stream().filter(l -> l != null && l.isLeader()).count();
        }

        void stop() throws InterruptedException {
            for (ScheduledExecutorService t : threads) {
                t.shutdown();
            }
            for (ScheduledExecutorService t : threads) {
                assertTrue(t.awaitTermination(WAIT.toMillis(), TimeUnit.MILLISECONDS), "ticker did not stop");
            }
        }
    }

    /** Collects what the election logs (System.Logger goes to java.util.logging here). */
    private static final class LogCapture extends Handler {
        private final Logger logger = Logger.getLogger(LeaderElection.class.getName());
        private final List<LogRecord> records = new CopyOnWriteArrayList<>();

        void start() {
            records.clear();
            logger.addHandler(this);
        }

        void stop() {
            logger.removeHandler(this);
        }

        long count(Level level, String containing) {
            return records.stream().filter(r -> r.getLevel().equals(level) && r.getMessage().contains(containing))
                    .count();
        }

        String text() {
            return records.stream().map(r -> r.getLevel() + " " + r.getMessage()).collect(Collectors.joining("\n"));
        }

        @Override
        public void publish(LogRecord record) {
            records.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }
}
