package dev.natsjca.inbound.jetstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.natsjca.inbound.NatsActivationSpec;
import dev.natsjca.testing.Await;
import dev.natsjca.testing.NatsServerExtension;
import dev.natsjca.testing.StartedAdapter;
import dev.natsjca.testing.TestEndpointFactory;
import dev.natsjca.testing.TestEndpointFactory.Change;
import io.nats.client.Connection;
import io.nats.client.KeyValue;
import io.nats.client.Nats;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.KeyValueOperation;
import jakarta.resource.spi.InvalidPropertyException;

/**
 * Key-value watch activations: each put, delete and purge of a matching key reaches the bean with
 * its key, revision and operation, from the start the activation names; a durable watch resumes
 * after a restart with the changes it missed.
 */
class KeyValueWatchTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @RegisterExtension
    static final NatsServerExtension NATS = NatsServerExtension.onFreePort();

    private StartedAdapter started;
    private Connection client;
    private KeyValue kv;
    private static final AtomicInteger BUCKETS = new AtomicInteger();
    private String bucket;

    @BeforeEach
    void start() throws Exception {
        started = new StartedAdapter(NATS.server().url(), 8);
        client = Nats.connect(NATS.server().url());
        bucket = "kvw" + BUCKETS.incrementAndGet();
        client.keyValueManagement().create(KeyValueConfiguration.builder().name(bucket).maxHistoryPerKey(5).build());
        kv = client.keyValue(bucket);
    }

    @AfterEach
    void stop() throws Exception {
        started.close();
        client.close();
    }

    private NatsActivationSpec spec(String keys, String start, String durable) {
        NatsActivationSpec s = new NatsActivationSpec();
        s.setBucket(bucket);
        s.setKeys(keys);
        s.setKeyValueStart(start);
        s.setDurable(durable);
        return s;
    }

    private TestEndpointFactory watch(NatsActivationSpec spec) throws Exception {
        TestEndpointFactory f = new TestEndpointFactory("watch-" + bucket, m -> { }).watching(c -> { });
        activate(f, spec);
        return f;
    }

    /** Activates, and waits until every activation consumes: a "new" watch misses what comes before. */
    private void activate(TestEndpointFactory f, NatsActivationSpec spec) throws Exception {
        started.adapter().endpointActivation(f, spec);
        Await.until(WAIT, () -> "consuming: " + started.adapter().monitoring().snapshot().activations(),
                () -> started.adapter().monitoring().snapshot().activations().stream()
                        .allMatch(a -> a.state() == dev.natsjca.api.NatsActivationState.CONSUMING));
    }

    private static String describe(List<Change> changes) {
        StringBuilder b = new StringBuilder();
        for (Change c : changes) {
            b.append(c.key()).append(':').append(c.operation()).append(':').append(c.value()).append(' ');
        }
        return b.toString().trim();
    }

    @Test
    void eachPutDeleteAndPurgeArrivesWithKeyRevisionAndOperation() throws Exception {
        TestEndpointFactory f = watch(spec(null, "new", null));
        long put = kv.put("eu.price", "10".getBytes(StandardCharsets.UTF_8));
        long put2 = kv.put("eu.price", "11".getBytes(StandardCharsets.UTF_8));
        kv.delete("eu.price");
        kv.put("us.price", "Zürich ✓".getBytes(StandardCharsets.UTF_8));
        // A purge removes what it purges from the stream: received first, the put is part of the record.
        Await.until(WAIT, () -> "four changes: " + describe(f.changes()), () -> f.changes().size() == 4);
        kv.purge("us.price");
        Await.until(WAIT, () -> "five changes: " + describe(f.changes()), () -> f.changes().size() == 5);
        List<Change> c = f.changes();
        assertEquals(new Change(bucket, "eu.price", put, KeyValueOperation.PUT, "10", 1), c.get(0));
        assertEquals(new Change(bucket, "eu.price", put2, KeyValueOperation.PUT, "11", 1), c.get(1));
        assertEquals("eu.price", c.get(2).key());
        assertEquals(KeyValueOperation.DELETE, c.get(2).operation());
        assertEquals("", c.get(2).value());
        assertEquals(new Change(bucket, "us.price", put2 + 2, KeyValueOperation.PUT, "Zürich ✓", 1), c.get(3));
        assertEquals(KeyValueOperation.PURGE, c.get(4).operation());
        assertEquals("us.price", c.get(4).key());
        for (int i = 1; i < c.size(); i++) {
            assertTrue(c.get(i).revision() > c.get(i - 1).revision(), "revisions increase: " + c);
        }
    }

    @Test
    void aWatchingBeanThatAlsoTakesBatchesGetsEachChangeOnItsOwn() throws Exception {
        for (int i = 0; i < 20; i++) {
            kv.put("k" + i, Integer.toString(i).getBytes(StandardCharsets.UTF_8));
        }
        // Waiting in the stream, the 20 would fill a batch: each must still reach onChange.
        TestEndpointFactory f = new TestEndpointFactory("watch-" + bucket, m -> { }).watching(c -> { }).batching();
        activate(f, spec(null, "lastValue", null));
        Await.until(WAIT, () -> "20 changes: " + describe(f.changes()), () -> f.changes().size() == 20);
        assertEquals(List.of(), f.batchSizes(), "a watch calls onChange only");
    }

    @Test
    void lastValueStartDeliversTheLastValueOfEachKeyFirstThenNewChanges() throws Exception {
        kv.put("a", "a1".getBytes(StandardCharsets.UTF_8));
        kv.put("a", "a2".getBytes(StandardCharsets.UTF_8));
        kv.put("b", "b1".getBytes(StandardCharsets.UTF_8));
        kv.put("c", "c1".getBytes(StandardCharsets.UTF_8));
        kv.delete("c");
        TestEndpointFactory f = watch(spec(null, null, null)); // lastValue is the default
        Await.until(WAIT, () -> "the last values: " + describe(f.changes()), () -> f.changes().size() == 3);
        assertEquals("a:PUT:a2 b:PUT:b1 c:DELETE:", describe(f.changes()));
        kv.put("b", "b2".getBytes(StandardCharsets.UTF_8));
        Await.until(WAIT, () -> "the new change: " + describe(f.changes()), () -> f.changes().size() == 4);
        assertEquals("b:PUT:b2", describe(f.changes().subList(3, 4)));
    }

    @Test
    void newStartSkipsWhatTheBucketHeldAndHistoryStartDeliversAllOfIt() throws Exception {
        kv.put("a", "a1".getBytes(StandardCharsets.UTF_8));
        kv.put("a", "a2".getBytes(StandardCharsets.UTF_8));
        TestEndpointFactory onlyNew = watch(spec(null, "new", null));
        TestEndpointFactory history = watch(spec(null, "history", null));
        Await.until(WAIT, () -> "the history: " + describe(history.changes()), () -> history.changes().size() == 2);
        kv.put("a", "a3".getBytes(StandardCharsets.UTF_8));
        Await.until(WAIT, () -> "the new change: " + describe(onlyNew.changes()), () -> onlyNew.changes().size() >= 1
                && history.changes().size() == 3);
        assertEquals("a:PUT:a3", describe(onlyNew.changes()));
        assertEquals("a:PUT:a1 a:PUT:a2 a:PUT:a3", describe(history.changes()));
    }

    @Test
    void keysSelectWhichChangesArrive() throws Exception {
        // Several filters on one consumer need nats-server 2.10; older servers get one pattern.
        boolean several = client.getServerInfo().isSameOrNewerThanVersion("2.10.0");
        TestEndpointFactory f = watch(spec(several ? "eu.*, config.>" : "eu.*", "new", null));
        kv.put("us.price", "1".getBytes(StandardCharsets.UTF_8));
        kv.put("eu.price", "2".getBytes(StandardCharsets.UTF_8));
        kv.put("eu.price.old", "3".getBytes(StandardCharsets.UTF_8));
        kv.put("config.db.url", "4".getBytes(StandardCharsets.UTF_8));
        TestEndpointFactory last = watch(spec("zz", "new", null)); // the last change is in once this one has it
        kv.put("zz", "last".getBytes(StandardCharsets.UTF_8));
        Await.until(WAIT, "the last change", () -> last.changes().size() == 1);
        Await.until(WAIT, () -> "matching changes: " + describe(f.changes()), () -> f.changes().size() >= (several ? 2 : 1));
        assertEquals(several ? "eu.price:PUT:2 config.db.url:PUT:4" : "eu.price:PUT:2", describe(f.changes()));
    }

    @Test
    void aDurableWatchResumesAfterARestartWithTheChangesItMissed() throws Exception {
        NatsActivationSpec spec = spec(null, "new", "cache-" + bucket);
        TestEndpointFactory first = watch(spec);
        kv.put("k", "before".getBytes(StandardCharsets.UTF_8));
        Await.until(WAIT, "the first change", () -> first.changes().size() == 1);
        started.adapter().endpointDeactivation(first, spec);
        kv.put("k", "while-down-1".getBytes(StandardCharsets.UTF_8));
        kv.delete("k");
        kv.put("other", "while-down-2".getBytes(StandardCharsets.UTF_8));
        TestEndpointFactory second = watch(spec);
        Await.until(WAIT, () -> "the missed changes: " + describe(second.changes()), () -> second.changes().size() == 3);
        assertEquals("k:PUT:while-down-1 k:DELETE: other:PUT:while-down-2", describe(second.changes()));
    }

    @Test
    void aFailingChangeIsRedeliveredLikeAnyJetStreamMessage() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        NatsActivationSpec s = spec(null, "new", null);
        s.setMaxDeliver("3");
        TestEndpointFactory f = new TestEndpointFactory("failing-watch", m -> { }).watching(c -> {
            if (attempts.incrementAndGet() < 2) {
                throw new IllegalStateException("cache not ready");
            }
        });
        activate(f, s);
        kv.put("k", "v".getBytes(StandardCharsets.UTF_8));
        Await.until(WAIT, () -> "redelivered: " + f.changes(), () -> f.changes().size() == 2);
        assertEquals(2, f.changes().get(1).deliveryCount());
        assertEquals(f.changes().get(0).revision(), f.changes().get(1).revision());
    }

    @Test
    void aMissingBucketFailsTheActivationNamingItUnlessTheWatchMayCreateIt() throws Exception {
        NatsActivationSpec missing = spec(null, null, null);
        missing.setBucket("nosuch" + bucket);
        Exception e = assertThrows(Exception.class, () -> started.adapter().endpointActivation(
                new TestEndpointFactory("w").watching(c -> { }), missing));
        assertTrue(e.getMessage().contains("'bucket'") && e.getMessage().contains("'nosuch" + bucket + "'")
                && e.getMessage().contains("bucketDeclaration=ensure"), e.getMessage());

        NatsActivationSpec ensured = spec(null, "new", null);
        ensured.setBucket("made" + bucket);
        ensured.setBucketDeclaration("ensure");
        TestEndpointFactory f = watch(ensured);
        client.keyValue("made" + bucket).put("k", "v".getBytes(StandardCharsets.UTF_8));
        Await.until(WAIT, () -> "the change in the bucket it made: " + f.changes(), () -> f.changes().size() == 1);
        assertEquals("made" + bucket, f.changes().get(0).bucket());
    }

    @Test
    void badWatchPropertiesFailNamingThePropertyAndValue() {
        NatsActivationSpec s = spec(null, null, null);
        s.setBucket("no.dots");
        assertMessage(s, "'bucket'", "'no.dots'");
        s = spec("a..b", null, null);
        assertMessage(s, "'keys'", "'a..b'");
        s = spec(null, "yesterday", null);
        assertMessage(s, "'keyValueStart'", "'yesterday'");
        s = spec(null, null, null);
        s.setSubject("orders.>");
        assertMessage(s, "'subject'", "key-value watch");
        s = spec(null, null, null);
        s.setStream("KV_other");
        assertMessage(s, "'stream'", "leave stream unset");
        s = new NatsActivationSpec();
        s.setSubject("x");
        s.setKeys("a.>");
        assertMessage(s, "'keys'", "'bucket' is not set");
        s = spec(null, null, null);
        s.setBucketDeclaration("always");
        assertMessage(s, "'bucketDeclaration'", "'always'");
        s = spec(null, null, null);
        s.setBucketDeclaration("ensure");
        s.setBucketReplicas("7");
        assertMessage(s, "'bucketReplicas'", "'7'", "1 to 5");
        s = spec(null, null, null);
        s.setBucketReplicas("3");
        assertMessage(s, "'bucketReplicas'", "bucketDeclaration=ensure");
        s = spec("a.>,a.b", null, null);
        assertMessage(s, "'keys'");
    }

    @Test
    void aKeyValueListenerWithoutABucketAndABucketWithoutAKeyValueListenerAreRefused() {
        NatsActivationSpec noBucket = new NatsActivationSpec();
        noBucket.setSubject("orders");
        InvalidPropertyException e = assertThrows(InvalidPropertyException.class, () -> started.adapter()
                .endpointActivation(new TestEndpointFactory("w").watching(c -> { }), noBucket));
        assertTrue(e.getMessage().contains("NatsKeyValueListener"), e.getMessage());
        InvalidPropertyException e2 = assertThrows(InvalidPropertyException.class, () -> started.adapter()
                .endpointActivation(new TestEndpointFactory("m"), spec(null, null, null)));
        assertTrue(e2.getMessage().contains("'bucket'") && e2.getMessage().contains("does not implement"),
                e2.getMessage());
    }

    private static void assertMessage(NatsActivationSpec s, String... parts) {
        InvalidPropertyException e = assertThrows(InvalidPropertyException.class, s::validate);
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), e.getMessage());
        }
    }
}
