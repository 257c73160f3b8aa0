package dev.natsjca.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;

import dev.natsjca.api.NatsConnection;
import dev.natsjca.inbound.NatsActivationSpec;
import dev.natsjca.outbound.NatsManagedConnection;
import dev.natsjca.outbound.NatsManagedConnectionFactory;
import dev.natsjca.testing.NatsServer;
import dev.natsjca.testing.StartedAdapter;
import dev.natsjca.testing.TestXid;
import io.nats.client.Connection;
import io.nats.client.ConsumeOptions;
import io.nats.client.Dispatcher;
import io.nats.client.JetStream;
import io.nats.client.JetStreamManagement;
import io.nats.client.Message;
import io.nats.client.MessageConsumer;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.PublishAck;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;

/**
 * Runs every scenario: per message size, each variant in turn, round after round (the order
 * reversed every other round), after a warm-up round each; then a latency round per variant at
 * half its measured peak rate. Writes {@code RESULTS.md} and {@code results.png} into the
 * directory given as the first argument (the WildFly and the RAR, the second and third, enable the
 * in-server scenarios).
 *
 * <p>System property {@code bench.only}: comma-separated keys of {@link #SCENARIOS} to run just
 * those; the tables then go to {@code target/bench-only/} under that directory, leaving the
 * benchmark's own {@code RESULTS.md} and {@code results.png} alone.
 */
public final class Bench {

    private static final System.Logger LOG = System.getLogger(Bench.class.getName());
    private static final int[] SIZES = {128, 4096};
    /** Measured rounds per variant and size after the warm-up; {@code -Dbench.rounds} to change. */
    static final int ROUNDS = Integer.getInteger("bench.rounds", 6);
    private static final Duration STALL = Duration.ofSeconds(3);
    /**
     * Messages per round of the core MDB scenarios: at 20,000 a raw dispatcher's round lasted
     * 55 ms, so a batch MDB's one wait for its last, partial batch (5 ms) alone cost it 0.09x.
     */
    private static final int CORE_MDB_ROUND = 100_000;
    /** What {@code -Dbench.only} selects from: scenarios 1, 2, 3, 4, 1b–5c (in WildFly), 9a–9e (in Payara), 6a–6e, 7, 8. */
    static final Set<String> SCENARIOS = Set.of("outbound-core", "outbound-jetstream", "inbound-core",
            "inbound-jetstream", "wildfly", "payara", "observability", "atomic", "service");

    /** The README's targets, drawn in the chart (the README's table carries each verdict). */
    private static final List<Report.Target> TARGETS = List.of(
            new Report.Target("1c. Outbound, core, in an EJB, sending side only (no subscriber)", "handle", 0.9),
            new Report.Target("1c. Outbound, core, in an EJB, sending side only (no subscriber)", "pool", 0.5),
            new Report.Target("2. Outbound, JetStream", "100 per commit", 0.5),
            new Report.Target("3. Inbound, core", "adapter", 0.8),
            new Report.Target("4. Inbound, JetStream", "adapter", 0.8),
            new Report.Target("3b. Inbound, core, MDB in WildFly", "batch", 0.8),
            new Report.Target("4b. Inbound, JetStream, MDB in WildFly", "tx batch", 0.8),
            new Report.Target("5a. NATS core MDB vs non-persistent JMS MDB (Artemis), in WildFly", "", 1.5),
            new Report.Target("5b. NATS JetStream MDB vs persistent JMS MDB, not transacted, in WildFly", "", 2),
            new Report.Target("5c. Transacted: NATS JetStream MDB vs persistent JMS MDB, in WildFly", "", 2));

    private final NatsServer nats;
    private final StartedAdapter adapter;
    private final Connection pub;
    private final Connection sub;
    private final List<Report.Row> rows = new ArrayList<>();
    private final List<Report.LatencyRow> latencyRows = new ArrayList<>();
    private final Map<String, Report.Note> notes = new LinkedHashMap<>();

    private Bench(NatsServer nats, StartedAdapter adapter, Connection pub, Connection sub) {
        this.nats = nats;
        this.adapter = adapter;
        this.pub = pub;
        this.sub = sub;
    }

    public static void main(String[] args) throws Exception {
        Set<String> only = only(System.getProperty("bench.only", ""));
        Path out = Path.of(args.length > 0 ? args[0] : ".");
        if (!only.isEmpty()) {
            out = Files.createDirectories(out.resolve("target").resolve("bench-only"));
        }
        long started = System.nanoTime();
        Options.Builder opts = Options.builder().maxReconnects(-1);
        try (NatsServer nats = NatsServer.start();
             StartedAdapter adapter = new StartedAdapter(nats.url(), 8);
             Connection pub = Nats.connect(opts.server(nats.url()).build());
             Connection sub = Nats.connect(opts.server(nats.url()).build())) {
            Bench bench = new Bench(nats, adapter, pub, sub);
            System.setProperty("bench.nats.version", pub.getServerInfo().getVersion());
            if (selected(only, "outbound-core")) {
                bench.outboundCore();
            }
            if (selected(only, "outbound-jetstream")) {
                bench.outboundJetStream();
            }
            if (selected(only, "atomic")) {
                bench.atomicCommit();
            }
            if (selected(only, "inbound-core")) {
                bench.inboundCore();
            }
            if (selected(only, "inbound-jetstream")) {
                bench.inboundJetStream();
            }
            if (selected(only, "observability")) {
                bench.observability();
            }
            if (selected(only, "service")) {
                bench.requestReply();
            }
            List<AtRest.Result> atRest = new ArrayList<>();
            if (args.length >= 3 && selected(only, "wildfly")) {
                Path wildfly = ServerBench.required(args[1], "WildFly");
                Path rar = ServerBench.required(args[2], "the resource adapter archive");
                try (WildFlyServer server = new WildFlyServer(wildfly, nats.url(),
                        wildfly.resolveSibling("wildfly-bench.log"))) {
                    atRest.add(AtRest.measure(server, rar, nats, pub));
                    try (ServerBench inServer = new ServerBench(pub, server, rar)) {
                        bench.inWildFly(inServer);
                    }
                }
            }
            if (args.length >= 4 && selected(only, "payara")) {
                Path payara = ServerBench.required(args[3], "Payara");
                Path rar = ServerBench.required(args[2], "the resource adapter archive");
                try (PayaraServer server = new PayaraServer(payara, nats.url())) {
                    atRest.add(AtRest.measure(server, rar, nats, pub));
                    try (ServerBench inServer = new ServerBench(pub, server, rar)) {
                        bench.mdbs(inServer, new MdbScenarios("9a", null, "9b", "9c", "9d", "9e", "OpenMQ"));
                    }
                }
            }
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            Report.write(out, bench.rows, bench.latencyRows, bench.notes, TARGETS,
                    atRest.isEmpty() ? "" : AtRest.markdown(atRest), only.isEmpty() ? null : String.join(", ", only),
                    took, LocalDate.now());
            LOG.log(System.Logger.Level.INFO, "Benchmark done in {0}; wrote {1} and {2}", took,
                    out.resolve("RESULTS.md"), out.resolve("results.png"));
        }
        System.exit(0); // the adapter's and jnats' non-daemon threads are stopped; nothing else to wait for
    }

    /** @return the scenario keys of {@code -Dbench.only}; empty: all */
    private static Set<String> only(String property) {
        Set<String> keys = new TreeSet<>();
        for (String k : property.split(",")) {
            if (!k.isBlank()) {
                keys.add(k.trim());
            }
        }
        for (String k : keys) {
            if (!SCENARIOS.contains(k)) {
                throw new IllegalArgumentException("bench.only: unknown scenario '" + k + "'; known: "
                        + new TreeSet<>(SCENARIOS));
            }
        }
        return keys;
    }

    private static boolean selected(Set<String> only, String key) {
        return only.isEmpty() || only.contains(key);
    }

    // ---------------------------------------------------------------- scenarios

    private void outboundCore() throws Exception {
        String subject = "bench.out.core";
        RawReceiver receiver = new RawReceiver(sub, subject);
        NatsManagedConnection mc = managedConnection();
        NatsConnection handle = (NatsConnection) mc.getConnection(null, null);
        Variant raw = variant("raw jnats publish, one connection", receiver,
                (n, size, rate) -> Sender.send(n, size, rate, (h, d) -> pub.publish(subject, h, d)));
        Variant viaHandle = variant("adapter: one handle, many publishes", receiver,
                (n, size, rate) -> Sender.send(n, size, rate, (h, d) -> handle.publish(subject, h, d)));
        compare("1. Outbound, core", 20_000, List.of(raw, viaHandle));
        handle.close();
        mc.destroy();
        receiver.close();
    }

    private void outboundJetStream() throws Exception {
        String subject = "bench.out.js";
        JetStreamManagement jsm = pub.jetStreamManagement();
        jsm.addStream(StreamConfiguration.builder().name("BENCH_OUT").subjects(subject)
                .storageType(StorageType.File).build());
        JetStream js = pub.jetStream();
        RawReceiver receiver = new RawReceiver(sub, subject);
        receiver.beforeRound(() -> jsm.purgeStream("BENCH_OUT"));
        NatsManagedConnection mc = managedConnection();
        NatsConnection handle = (NatsConnection) mc.getConnection(null, null);
        XAResource xa = mc.getXAResource();
        Variant raw = variant("raw jnats publishAsync, all acks awaited", receiver,
                (n, size, rate) -> publishAsync(js, subject, n, size, rate));
        // The same durability points as the transactions, without them: a commit cannot return
        // before its messages' acknowledgements, so these are the limits the transactions compare with.
        Variant rawEach = variant("raw jnats publish, each ack awaited", receiver,
                (n, size, rate) -> Sender.send(n, size, rate, (h, d) -> js.publish(subject, h, d)));
        Variant rawPer100 = variant("raw jnats publishAsync, acks awaited every 100", receiver,
                (n, size, rate) -> publishAsyncAwaitingEvery(100, js, subject, n, size, rate));
        Variant tx1 = variant("adapter: transactional publish, 1 per commit", receiver,
                (n, size, rate) -> transacted(n, size, rate, 1, handle, xa, subject));
        Variant tx100 = variant("adapter: transactional publish, 100 per commit", receiver,
                (n, size, rate) -> transacted(n, size, rate, 100, handle, xa, subject));
        compare("2. Outbound, JetStream", 5_000, List.of(raw, rawEach, tx1, rawPer100, tx100));
        handle.close();
        mc.destroy();
        receiver.close();
    }

    /**
     * 7. Transactions on a stream that allows atomic publish, two-phase as beside a datasource:
     * atomic commit against today's mechanism (sent at prepare) against raw jnats with the same
     * acknowledgements awaited.
     */
    private void atomicCommit() throws Exception {
        if (!pub.getServerInfo().isSameOrNewerThanVersion("2.12.0")) {
            LOG.log(System.Logger.Level.WARNING, "7. skipped: atomic commit needs nats-server 2.12+, this is {0}",
                    pub.getServerInfo().getVersion());
            return;
        }
        String subject = "bench.atomic";
        JetStreamManagement jsm = pub.jetStreamManagement();
        jsm.addStream(StreamConfiguration.builder().name("BENCH_ATOMIC").subjects(subject)
                .storageType(StorageType.File).allowAtomicPublish(true).build());
        JetStream js = pub.jetStream();
        RawReceiver receiver = new RawReceiver(sub, subject);
        receiver.beforeRound(() -> jsm.purgeStream("BENCH_ATOMIC"));
        NatsManagedConnection atomic = managedConnection("auto");
        NatsManagedConnection prepared = managedConnection("off");
        NatsConnection atomicHandle = (NatsConnection) atomic.getConnection(null, null);
        NatsConnection preparedHandle = (NatsConnection) prepared.getConnection(null, null);
        Variant rawEach = variant("raw jnats publish, each ack awaited", receiver,
                (n, size, rate) -> Sender.send(n, size, rate, (h, d) -> js.publish(subject, h, d)));
        Variant rawPer100 = variant("raw jnats publishAsync, acks awaited every 100", receiver,
                (n, size, rate) -> publishAsyncAwaitingEvery(100, js, subject, n, size, rate));
        List<Variant> variants = new ArrayList<>(List.of(rawEach));
        for (int perCommit : new int[] {1, 100}) {
            if (perCommit == 100) {
                variants.add(rawPer100);
            }
            variants.add(variant("raw jnats atomic batch, " + perCommit + " per batch, staged then committed",
                    receiver, (n, size, rate) -> rawBatches(n, size, rate, perCommit, subject)));
            variants.add(variant("adapter, sent at prepare (atomicCommit=off), " + perCommit + " per two-phase commit",
                    receiver, (n, size, rate) -> transacted(n, size, rate, perCommit, preparedHandle,
                            prepared.getXAResource(), subject, true)));
            variants.add(variant("adapter, atomic commit, " + perCommit + " per two-phase commit", receiver,
                    (n, size, rate) -> transacted(n, size, rate, perCommit, atomicHandle, atomic.getXAResource(),
                            subject, true)));
        }
        notes.put("7. Transactions: atomic commit vs sent at prepare", new Report.Note("Two-phase commits (prepare, "
                + "then commit, as beside a datasource) on a file-storage stream that allows atomic publish. The "
                + "server stages each atomic batch in storage of its own, which on file storage costs milliseconds "
                + "per batch whatever the client sends: raw jnats doing the same by hand shows the same cost. "
                + "So a transaction of one message pays it in full; at 100 messages per commit it is shared.", false));
        compare("7. Transactions: atomic commit vs sent at prepare", 1_000, variants);
        atomicHandle.close();
        preparedHandle.close();
        atomic.destroy();
        prepared.destroy();
        receiver.close();
    }

    /**
     * What the adapter's two-phase atomic commit does, by hand: each batch's messages sent as
     * requests and their replies awaited, then an end-of-batch commit and its acknowledgement.
     */
    private long rawBatches(int n, int size, int rate, int perBatch, String subject) throws Exception {
        List<CompletableFuture<io.nats.client.Message>> staged = new ArrayList<>(perBatch);
        String[] id = {null};
        long[] count = {0};
        long first = Sender.send(n, size, rate, (h, d) -> {
            if (id[0] == null) {
                id[0] = io.nats.client.NUID.nextGlobal();
            }
            io.nats.client.impl.Headers bh = h == null ? new io.nats.client.impl.Headers()
                    : new io.nats.client.impl.Headers(h);
            bh.put("Nats-Batch-Id", id[0]);
            bh.put("Nats-Batch-Sequence", Integer.toString(staged.size() + 1));
            staged.add(pub.request(io.nats.client.impl.NatsMessage.builder().subject(subject).headers(bh).data(d)
                    .build()));
            if (++count[0] % perBatch == 0 || count[0] == n) {
                for (CompletableFuture<io.nats.client.Message> f : staged) {
                    f.get(10, java.util.concurrent.TimeUnit.SECONDS);
                }
                io.nats.client.impl.Headers eob = new io.nats.client.impl.Headers();
                eob.put("Nats-Batch-Id", id[0]);
                eob.put("Nats-Batch-Sequence", Integer.toString(staged.size() + 1));
                eob.put("Nats-Batch-Commit", "eob");
                io.nats.client.Message ack = pub.request(io.nats.client.impl.NatsMessage.builder().subject(subject)
                        .headers(eob).data(new byte[0]).build()).get(10, java.util.concurrent.TimeUnit.SECONDS);
                new PublishAck(ack); // throws when the batch was refused
                staged.clear();
                id[0] = null;
            }
        });
        return first;
    }

    private static long transacted(int n, int size, int rate, int perCommit, NatsConnection handle, XAResource xa,
                                   String subject) throws Exception {
        return transacted(n, size, rate, perCommit, handle, xa, subject, false);
    }

    /** Publishes through the handle in transactions of {@code perCommit}, committed as a TM does (one- or two-phase). */
    private static long transacted(int n, int size, int rate, int perCommit, NatsConnection handle, XAResource xa,
                                   String subject, boolean twoPhase) throws Exception {
        long[] count = {0};
        Xid[] xid = {null};
        long first = Sender.send(n, size, rate, (h, d) -> {
            if (xid[0] == null) {
                xid[0] = new TestXid();
                xa.start(xid[0], XAResource.TMNOFLAGS);
            }
            handle.jetStreamPublish(subject, h, d, null);
            if (++count[0] % perCommit == 0 || count[0] == n) {
                xa.end(xid[0], XAResource.TMSUCCESS);
                if (twoPhase) {
                    xa.prepare(xid[0]);
                }
                xa.commit(xid[0], !twoPhase);
                xid[0] = null;
            }
        });
        return first;
    }

    private void inboundCore() throws Exception {
        List<Variant> variants = new ArrayList<>();
        String rawSubject = "bench.in.core.raw";
        RawReceiver raw = new RawReceiver(sub, rawSubject);
        variants.add(variant("raw jnats dispatcher", raw,
                (n, size, rate) -> Sender.send(n, size, rate, (h, d) -> pub.publish(rawSubject, h, d))));
        String hopSubject = "bench.in.core.hop";
        RawReceiver hop = new RawReceiver(sub, hopSubject, true);
        variants.add(variant("raw jnats dispatcher handing each message to one plain thread", hop,
                (n, size, rate) -> Sender.send(n, size, rate, (h, d) -> pub.publish(hopSubject, h, d))));
        for (int c : new int[] {1, 4}) {
            String subject = "bench.in.core.mdb" + c;
            NatsActivationSpec spec = new NatsActivationSpec();
            spec.setSubject(subject);
            spec.setMaxConcurrency(Integer.toString(c));
            spec.setMaxPending("1000000");
            variants.add(activation("adapter delivery path (no EJB container), maxConcurrency " + c, spec, false,
                    (n, size, rate) -> Sender.send(n, size, rate, (h, d) -> pub.publish(subject, h, d))));
        }
        awaitSubscriptions(List.of(rawSubject, hopSubject, "bench.in.core.mdb1", "bench.in.core.mdb4"));
        compare("3. Inbound, core", 20_000, variants);
        for (Variant v : variants) {
            v.close();
        }
        raw.close();
        hop.close();
    }

    /** Scenario 8: request/reply round trips, raw jnats' service vs the adapter's service endpoint. */
    private void requestReply() throws Exception {
        List<Variant> variants = new ArrayList<>();
        variants.add(RequestReply.rawService(sub, pub, "bench.svc.raw"));
        for (int c : new int[] {1, 4}) {
            variants.add(RequestReply.adapterService(adapter, pub, "bench.svc.mdb" + c, c));
        }
        awaitSubscriptions(List.of("bench.svc.raw", "bench.svc.mdb1", "bench.svc.mdb4"));
        notes.put("8. Request/reply round trips", new Report.Note("An echo service; the requester keeps "
                + RequestReply.WINDOW + " requests in flight; msgs/s = round trips per second, p50/p99 = the round "
                + "trip (request sent to reply received) at half the variant's peak.", false));
        compare("8. Request/reply round trips", 20_000, variants);
        for (Variant v : variants) {
            v.close();
        }
    }

    private void inboundJetStream() throws Exception {
        JetStreamManagement jsm = pub.jetStreamManagement();
        jsm.addStream(StreamConfiguration.builder().name("BENCH_IN").subjects("bench.in.js.>")
                .storageType(StorageType.File).build());
        JetStream js = pub.jetStream();
        List<Variant> variants = new ArrayList<>();

        String rawSubject = "bench.in.js.raw";
        Samples[] rawSamples = {new Samples(0)};
        MessageConsumer consumer = sub.getStreamContext("BENCH_IN").createOrUpdateConsumer(
                ConsumerConfiguration.builder().durable("raw").filterSubject(rawSubject).ackPolicy(AckPolicy.Explicit)
                        .maxAckPending(1000).build())
                .consume(ConsumeOptions.builder().batchSize(100).expiresIn(10_000).build(), m -> {
                    rawSamples[0].arrived(m.getHeaders().getFirst(Samples.SENT_HEADER));
                    m.ack();
                });
        variants.add(new Variant() {
            @Override
            public String name() {
                return "raw jnats pull consumer, explicit acks";
            }

            @Override
            public Round run(int n, int size, int rate) throws Exception {
                rawSamples[0] = new Samples(n);
                long first = publishAsync(js, rawSubject, n, size, rate);
                return new Round(n, first, awaitRound(rawSamples[0], n));
            }

            @Override
            public void close() {
                consumer.stop();
            }
        });
        for (boolean transacted : new boolean[] {false, true}) {
            String subject = "bench.in.js." + (transacted ? "tx" : "plain");
            NatsActivationSpec spec = new NatsActivationSpec();
            spec.setSubject(subject);
            spec.setStream("BENCH_IN");
            spec.setDurable(transacted ? "mdb-tx" : "mdb-plain");
            spec.setBatchSize("100");
            variants.add(activation("adapter delivery path (no EJB container), " + (transacted ? "transacted"
                    : "not transacted"), spec, transacted, (n, size, rate) -> publishAsync(js, subject, n, size, rate)));
        }
        compare("4. Inbound, JetStream", 5_000, variants);
        for (Variant v : variants) {
            v.close();
        }
    }

    /**
     * Scenario 6: what tracing costs on the delivery and publish paths, tracing off vs on, side by
     * side (alternately, in the same rounds). The status and metrics counters have no switch: on in
     * both. Off: the OpenTelemetry API is visible to the adapter (as in a server), but CDI offers the
     * bean none and the publishing thread has no current span. On: an SDK offered through CDI to the
     * bean's class loader (consumer spans continuing each message's {@code traceparent}), and
     * publishes inside a current span (each message gets {@code traceparent} injected).
     */
    private void observability() throws Exception {
        String common = "Ratio = tracing on / tracing off (the first row), the two measured alternately in the "
                + "same rounds. The adapter's status and metrics counters are always on (there is no switch), in "
                + "both rows: \"off\" means tracing off only. Off: the OpenTelemetry API is visible to the adapter, "
                + "as in a server, but CDI offers the bean no OpenTelemetry and the publishing thread has no current "
                + "span. On: an OpenTelemetry SDK 1.29 (SdkTracerProvider, BatchSpanProcessor with its defaults, "
                + "which drops the spans its 2,048-span queue cannot hold, an exporter that discards them, W3C "
                + "propagator) that CDI offers to the bean's class loader. 128 B only; "
                + "%,d messages per round.";
        String asIn6a = "Ratio = tracing on / tracing off (the first row), measured alternately; counters on in "
                + "both rows, \"off\" and \"on\" as in 6a. 128 B; %,d messages per round.";
        String inbound = " Inbound: each delivery runs in a consumer span that continues the message's "
                + "`traceparent`; both rows receive the same messages, `traceparent` included, so the difference "
                + "is the adapter's.";
        String outbound = " Outbound: the \"on\" sender publishes inside a current span, so the adapter adds "
                + "`traceparent` to each message (a core publish copies the headers for it), which the receiver "
                + "then also reads.";
        int[] sizes = {SIZES[0]};
        List<Report.Row> measured = new ArrayList<>();
        try (BenchTelemetry otel = BenchTelemetry.install()) {
            List<Variant> core = new ArrayList<>();
            List<String> subjects = new ArrayList<>();
            for (boolean on : new boolean[] {false, true}) {
                String subject = "bench.obs.in.core." + (on ? "on" : "off");
                subjects.add(subject);
                NatsActivationSpec spec = new NatsActivationSpec();
                spec.setSubject(subject);
                spec.setMaxConcurrency("4");
                spec.setMaxPending("1000000");
                core.add(activation(tracing(on) + "adapter delivery path (no EJB container), maxConcurrency 4", spec,
                        false, on ? otel.tracedBean() : null, (n, size, rate) -> Sender.send(n, size, rate,
                                (h, d) -> pub.publish(subject, withTraceparent(h), d))));
            }
            awaitSubscriptions(subjects);
            measured.addAll(observed("6a. Observability, inbound core: tracing off vs on", 100_000, core, sizes,
                    common + inbound, otel));

            JetStreamManagement jsm = pub.jetStreamManagement();
            jsm.addStream(StreamConfiguration.builder().name("BENCH_OBS_IN").subjects("bench.obs.in.js.>")
                    .storageType(StorageType.File).build());
            JetStream js = pub.jetStream();
            for (boolean transacted : new boolean[] {false, true}) {
                List<Variant> variants = new ArrayList<>();
                for (boolean on : new boolean[] {false, true}) {
                    String name = (transacted ? "tx-" : "plain-") + (on ? "on" : "off");
                    String subject = "bench.obs.in.js." + name;
                    NatsActivationSpec spec = new NatsActivationSpec();
                    spec.setSubject(subject);
                    spec.setStream("BENCH_OBS_IN");
                    spec.setDurable("obs-" + name);
                    spec.setBatchSize("100");
                    variants.add(activation(tracing(on) + "adapter delivery path (no EJB container), "
                            + (transacted ? "transacted" : "not transacted"), spec, transacted,
                            on ? otel.tracedBean() : null, (n, size, rate) -> {
                                List<CompletableFuture<PublishAck>> acks = new ArrayList<>(n);
                                long first = Sender.send(n, size, rate,
                                        (h, d) -> acks.add(js.publishAsync(subject, withTraceparent(h), d)));
                                awaitAll(acks);
                                return first;
                            }));
                }
                measured.addAll(observed("6" + (transacted ? "c" : "b") + ". Observability, inbound JetStream, "
                        + (transacted ? "transacted" : "not transacted") + ": tracing off vs on", 20_000, variants,
                        sizes, asIn6a + inbound, otel));
            }

            String coreOut = "bench.obs.out.core";
            RawReceiver coreReceiver = new RawReceiver(sub, coreOut);
            NatsManagedConnection mc = managedConnection();
            NatsConnection handle = (NatsConnection) mc.getConnection(null, null);
            requireTraceparent(otel, handle, coreOut);
            Sender.Publish viaHandle = (h, d) -> handle.publish(coreOut, h, d);
            measured.addAll(observed("6d. Observability, outbound core, one handle: tracing off vs on", 100_000,
                    List.of(variant(tracing(false) + "adapter: one handle, many publishes", coreReceiver,
                                    (n, size, rate) -> Sender.send(n, size, rate, viaHandle)),
                            variant(tracing(true) + "adapter: one handle, many publishes, in a span", coreReceiver,
                                    (n, size, rate) -> otel.inSpan(() -> Sender.send(n, size, rate, viaHandle))),
                            variant("reference, tracing off: the same, the application setting that traceparent "
                                    + "itself", coreReceiver, (n, size, rate) -> Sender.send(n, size, rate,
                                    (h, d) -> viaHandle.publish(withTraceparent(h), d)))),
                    SIZES, asIn6a.replace("128 B; ", "128 B and 4 KiB; ") + outbound + " The reference row (ratio to \"off\" too) sends the bytes \"on\" "
                            + "sends, without a span (the application sets the same `traceparent` itself): what the "
                            + "longer message alone costs publisher, server and receiver.", otel));
            coreReceiver.close();

            String jsOut = "bench.obs.out.js";
            jsm.addStream(StreamConfiguration.builder().name("BENCH_OBS_OUT").subjects(jsOut)
                    .storageType(StorageType.File).build());
            RawReceiver jsReceiver = new RawReceiver(sub, jsOut);
            jsReceiver.beforeRound(() -> jsm.purgeStream("BENCH_OBS_OUT"));
            XAResource xa = mc.getXAResource();
            measured.addAll(observed("6e. Observability, outbound JetStream, transactional, 100 per commit: "
                    + "tracing off vs on", 20_000, List.of(
                    variant(tracing(false) + "adapter: transactional publish, 100 per commit", jsReceiver,
                            (n, size, rate) -> transacted(n, size, rate, 100, handle, xa, jsOut)),
                    variant(tracing(true) + "adapter: transactional publish, 100 per commit, in a span", jsReceiver,
                            (n, size, rate) -> otel.inSpan(() -> transacted(n, size, rate, 100, handle, xa, jsOut)))),
                    sizes, asIn6a + outbound, otel));
            jsReceiver.close();
            handle.close();
            mc.destroy();
        }
        StringBuilder summary = new StringBuilder("6. Observability, on/off (msgs/s medians):");
        for (Report.Row r : measured) {
            if (r.variant().startsWith(tracing(true))) {
                summary.append(String.format(Locale.ROOT, "%n  %s: %.2fx", r.scenario(), r.ratio()));
            }
        }
        LOG.log(System.Logger.Level.INFO, "{0}", summary);
    }

    private static String tracing(boolean on) {
        return on ? "tracing on: " : "tracing off: ";
    }

    private static io.nats.client.impl.Headers withTraceparent(io.nats.client.impl.Headers h) {
        return h.put("traceparent", BenchTelemetry.TRACEPARENT);
    }

    /**
     * Runs one scenario of 6 and closes its variants: the table's note, the spans the exporter got
     * against the messages the "on" variant was sent (consumer spans; the batch processor drops what
     * its queue cannot hold).
     */
    private List<Report.Row> observed(String scenario, int n, List<Variant> variants, int[] sizes, String note,
                                      BenchTelemetry otel) throws Exception {
        notes.put(scenario, new Report.Note(String.format(Locale.ROOT, note, n), false));
        long exportedBefore = otel.exported();
        long[] sentOn = {0};
        List<Variant> counted = new ArrayList<>();
        for (Variant v : variants) {
            boolean on = v.name().startsWith(tracing(true));
            counted.add(new Variant() {
                @Override
                public String name() {
                    return v.name();
                }

                @Override
                public Round run(int count, int size, int rate) throws Exception {
                    if (on) {
                        sentOn[0] += count;
                    }
                    return v.run(count, size, rate);
                }
            });
        }
        List<Report.Row> rows = compare(scenario, n, counted, sizes);
        LOG.log(System.Logger.Level.INFO, "{0}: {1} spans exported, {2} messages sent to the \"on\" variant",
                scenario, otel.exported() - exportedBefore, sentOn[0]);
        for (Variant v : variants) {
            v.close();
        }
        return rows;
    }

    /** A publish through the handle inside a span carries {@code traceparent}, or "on" would measure nothing. */
    private void requireTraceparent(BenchTelemetry otel, NatsConnection handle, String subject) throws Exception {
        io.nats.client.Subscription check = sub.subscribe(subject);
        sub.flush(Duration.ofSeconds(5));
        otel.inSpan(() -> {
            handle.publish(subject, new io.nats.client.impl.Headers().put(Samples.SENT_HEADER, "0"), new byte[1]);
            return null;
        });
        Message m = check.nextMessage(Duration.ofSeconds(5));
        check.unsubscribe();
        if (m == null || m.getHeaders() == null || m.getHeaders().getFirst("traceparent") == null) {
            throw new IllegalStateException("a publish inside a span carried no traceparent: " + (m == null ? "none"
                    : m.getHeaders()));
        }
    }

    /** The scenarios that need the EJB container, the server's pool or JMS: in WildFly, standalone-full. */
    private void inWildFly(ServerBench server) throws Exception {
        String out = "bench.srv.out";
        RawReceiver receiver = new RawReceiver(sub, out);
        compare("1b. Outbound, core, in WildFly (standalone-full)", 10_000, List.of(
                variant("raw jnats publish, outside the server", receiver,
                        (n, size, rate) -> Sender.send(n, size, rate, (h, d) -> pub.publish(out, h, d))),
                variant("adapter in an EJB: one handle, many publishes", receiver,
                        (n, size, rate) -> server.inServer("handle " + n + " " + size + " " + out + " " + rate)),
                variant("adapter in an EJB: get, publish, close per message (server's pool)", receiver,
                        (n, size, rate) -> server.inServer("pool " + n + " " + size + " " + out + " " + rate))));
        receiver.close();
        // Without a subscriber nothing but the in-server sender runs, all three in the same JVM:
        // what the handle and IronJacamar's get and close cost per message, against the publish itself.
        compare("1c. Outbound, core, in an EJB, sending side only (no subscriber)", 100_000, List.of(
                server.sendOnly("raw jnats publish in the EJB, its own connection", "raw", "bench.srv.nobody"),
                server.sendOnly("adapter in an EJB: one handle, many publishes", "handle", "bench.srv.nobody"),
                server.sendOnly("adapter in an EJB: get, publish, close per message (server's pool)", "pool",
                        "bench.srv.nobody")));
        mdbs(server, new MdbScenarios("3b", "3c", "4b", "5a", "5b", "5c", "Artemis"));
    }

    /**
     * Scenario ids of the MDB comparisons in one server.
     *
     * @param latencyByRate the core latency-by-send-rate scenario, or {@code null} for none
     * @param broker the server's own JMS broker
     */
    private record MdbScenarios(String core, String latencyByRate, String jetStream, String jmsCore,
                                String jmsPersistent, String jmsTransacted, String broker) {
    }

    /** The same NATS MDBs and the server's own JMS MDBs (4 sessions), NATS load from outside, JMS load from an EJB. */
    private void mdbs(ServerBench server, MdbScenarios ids) throws Exception {
        String in = ", in " + server.serverName();
        String jms = "JMS MDB (" + ids.broker() + "), ";
        String jmsSessions = ", 4 sessions";
        String rawSubject = "bench.srv.core.raw";
        RawReceiver raw = new RawReceiver(sub, rawSubject);
        Variant rawDispatcher = variant("raw jnats dispatcher", raw,
                (n, size, rate) -> Sender.send(n, size, rate, (h, d) -> pub.publish(rawSubject, h, d)));
        Variant mdb4 = server.serverReceiver("NATS MDB, maxConcurrency 4", "core4",
                (n, size, rate) -> Sender.send(n, size, rate, (h, d) -> pub.publish("bench.srv.core4", h, d)));
        List<Report.Row> core = compare(ids.core() + ". Inbound, core, MDB in " + server.serverName(), CORE_MDB_ROUND, List.of(rawDispatcher,
                server.serverReceiver("NATS MDB, maxConcurrency 1", "core1",
                        (n, size, rate) -> Sender.send(n, size, rate, (h, d) -> pub.publish("bench.srv.core1", h, d))),
                mdb4,
                server.serverReceiver("NATS batch MDB (up to 100 per call, 5 ms wait), maxConcurrency 4", "corebatch4",
                        (n, size, rate) -> Sender.send(n, size, rate,
                                (h, d) -> pub.publish("bench.srv.corebatch4", h, d)))));
        int mdbHalfPeak = (int) (core.stream().filter(r -> r.size() == SIZES[0] && r.variant().equals(mdb4.name()))
                .findFirst().orElseThrow().perSecond() / 2);
        if (ids.latencyByRate() != null) {
            latencyByRate(ids.latencyByRate() + ". Inbound, core, latency by send rate" + in, SIZES[0],
                    new int[] {1_000, 10_000, Math.min(30_000, mdbHalfPeak / 2), mdbHalfPeak},
                    List.of(rawDispatcher, mdb4));
        }
        raw.close();

        JetStream js = server.jetStream();
        Samples[] rawSamples = {new Samples(0)};
        MessageConsumer consumer = sub.getStreamContext("BENCH_SRV").createOrUpdateConsumer(
                ConsumerConfiguration.builder().durable("raw").filterSubject("bench.srv.jsraw")
                        .ackPolicy(AckPolicy.Explicit).build())
                .consume(ConsumeOptions.builder().batchSize(100).expiresIn(10_000).build(), m -> {
                    rawSamples[0].arrived(m.getHeaders().getFirst(Samples.SENT_HEADER));
                    m.ack();
                });
        compare(ids.jetStream() + ". Inbound, JetStream, MDB in " + server.serverName(), 5_000, List.of(
                new Variant() {
                    @Override
                    public String name() {
                        return "raw jnats pull consumer, explicit acks, outside the server";
                    }

                    @Override
                    public Round run(int n, int size, int rate) throws Exception {
                        rawSamples[0] = new Samples(n);
                        long first = publishAsync(js, "bench.srv.jsraw", n, size, rate);
                        return new Round(n, first, awaitRound(rawSamples[0], n));
                    }
                },
                server.serverReceiver("NATS JetStream MDB, not transacted, maxConcurrency 4", "js",
                        (n, size, rate) -> publishAsync(js, "bench.srv.js", n, size, rate)),
                server.serverReceiver("NATS JetStream MDB, transacted, maxConcurrency 4", "jstx",
                        (n, size, rate) -> publishAsync(js, "bench.srv.jstx", n, size, rate)),
                server.serverReceiver("NATS JetStream batch MDB, transacted (one per batch of up to 100), "
                        + "maxConcurrency 4", "jstxbatch",
                        (n, size, rate) -> publishAsync(js, "bench.srv.jstxbatch", n, size, rate))));
        consumer.stop();
        compare(ids.jmsCore() + ". NATS core MDB vs non-persistent JMS MDB (" + ids.broker() + ")" + in, 10_000, List.of(
                server.serverReceiver(jms + "non-persistent" + jmsSessions, "jms",
                        (n, size, rate) -> server.inServer("jms jms " + n + " " + size + " false " + rate)),
                server.serverReceiver("NATS core MDB, maxConcurrency 4", "core4",
                        (n, size, rate) -> Sender.send(n, size, rate, (h, d) -> pub.publish("bench.srv.core4", h, d)))));
        compare(ids.jmsPersistent() + ". NATS JetStream MDB vs persistent JMS MDB, not transacted" + in, 5_000, List.of(
                server.serverReceiver(jms + "persistent" + jmsSessions, "jms",
                        (n, size, rate) -> server.inServer("jms jms " + n + " " + size + " true " + rate)),
                server.serverReceiver("NATS JetStream MDB (file storage, acks), maxConcurrency 4", "js",
                        (n, size, rate) -> publishAsync(js, "bench.srv.js", n, size, rate))));
        compare(ids.jmsTransacted() + ". Transacted: NATS JetStream MDB vs persistent JMS MDB" + in, 5_000, List.of(
                server.serverReceiver(jms + "persistent, transacted" + jmsSessions, "jmstx",
                        (n, size, rate) -> server.inServer("jms jmstx " + n + " " + size + " true " + rate)),
                server.serverReceiver("NATS JetStream MDB, transacted, maxConcurrency 4", "jstx",
                        (n, size, rate) -> publishAsync(js, "bench.srv.jstx", n, size, rate)),
                server.serverReceiver("NATS JetStream batch MDB, transacted, maxConcurrency 4", "jstxbatch",
                        (n, size, rate) -> publishAsync(js, "bench.srv.jstxbatch", n, size, rate))));
    }

    private static long publishAsync(JetStream js, String subject, int n, int size, int rate) throws Exception {
        List<CompletableFuture<PublishAck>> acks = new ArrayList<>(n);
        long first = Sender.send(n, size, rate, (h, d) -> acks.add(js.publishAsync(subject, h, d)));
        awaitAll(acks);
        return first;
    }

    /** Waits for every acknowledgement, then forgets them. */
    /** Publishes asynchronously, awaiting the acknowledgements every {@code every} messages: a transaction's durability points. */
    private static long publishAsyncAwaitingEvery(int every, JetStream js, String subject, int n, int size, int rate)
            throws Exception {
        List<CompletableFuture<PublishAck>> acks = new ArrayList<>(every);
        long first = Sender.send(n, size, rate, (h, d) -> {
            acks.add(js.publishAsync(subject, h, d));
            if (acks.size() == every) {
                awaitAll(acks);
            }
        });
        awaitAll(acks);
        return first;
    }

    private static void awaitAll(List<CompletableFuture<PublishAck>> acks) throws Exception {
        for (CompletableFuture<PublishAck> a : acks) {
            a.get(30, TimeUnit.SECONDS);
        }
        acks.clear();
    }

    // ---------------------------------------------------------------- plumbing

    /** Sends one round; returns the first send time. */
    @FunctionalInterface
    interface SendFunction {
        long send(int n, int size, int rate) throws Exception;
    }

    private static Variant variant(String name, RawReceiver receiver, SendFunction send) {
        return new Variant() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Round run(int n, int size, int rate) throws Exception {
                Samples s = receiver.startRound(n);
                long first = send.send(n, size, rate);
                return new Round(n, first, awaitRound(s, n));
            }
        };
    }

    private Variant activation(String name, NatsActivationSpec spec, boolean transacted, SendFunction send) throws Exception {
        return activation(name, spec, transacted, null, send);
    }

    /** @param endpointClass the bean class the adapter is told of, or {@code null} (see {@link BenchEndpointFactory}) */
    private Variant activation(String name, NatsActivationSpec spec, boolean transacted, Class<?> endpointClass,
                               SendFunction send) throws Exception {
        BenchEndpointFactory endpoints = new BenchEndpointFactory(name, transacted, endpointClass);
        adapter.adapter().endpointActivation(endpoints, spec);
        return new Variant() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Round run(int n, int size, int rate) throws Exception {
                Samples s = new Samples(n);
                endpoints.samples(s);
                long first = send.send(n, size, rate);
                return new Round(n, first, awaitRound(s, n));
            }

            @Override
            public void close() {
                adapter.adapter().endpointDeactivation(endpoints, spec);
            }
        };
    }

    private NatsManagedConnection managedConnection() throws Exception {
        return managedConnection(null);
    }

    private NatsManagedConnection managedConnection(String atomicCommit) throws Exception {
        NatsManagedConnectionFactory mcf = new NatsManagedConnectionFactory();
        mcf.setAtomicCommit(atomicCommit);
        mcf.setResourceAdapter(adapter.adapter());
        return (NatsManagedConnection) mcf.createManagedConnection(null, null);
    }

    private void awaitSubscriptions(List<String> subjects) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        for (String s : subjects) {
            while (nats.subscriptionCount(s) < 1) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("no subscription on " + s);
                }
                LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
            }
        }
    }

    /** Waits until all {@code n} arrived, or nothing more arrived for {@link #STALL} (core may drop). */
    static Samples awaitRound(Samples s, int n) {
        int seen = -1;
        long lastProgress = System.nanoTime();
        while (s.count() < n) {
            int now = s.count();
            if (now != seen) {
                seen = now;
                lastProgress = System.nanoTime();
            } else if (System.nanoTime() - lastProgress > STALL.toNanos()) {
                LOG.log(System.Logger.Level.WARNING, "round ended with {0} of {1} messages", now, n);
                break;
            }
            LockSupport.parkNanos(Duration.ofMillis(1).toNanos());
        }
        return s;
    }

    /**
     * Warm-up, alternating throughput rounds, then a latency round per variant at half its peak.
     *
     * @return the rows added
     */
    private List<Report.Row> compare(String scenario, int n, List<Variant> variants) throws Exception {
        return compare(scenario, n, variants, SIZES);
    }

    private List<Report.Row> compare(String scenario, int n, List<Variant> variants, int[] sizes) throws Exception {
        List<Report.Row> added = new ArrayList<>();
        for (int size : sizes) {
            LOG.log(System.Logger.Level.INFO, "{0}, {1} B: warm-up", scenario, size);
            for (Variant v : variants) {
                v.run(n / 2, size, 0);
            }
            Map<Variant, List<Double>> rates = new LinkedHashMap<>();
            Map<Variant, Integer> lost = new LinkedHashMap<>();
            for (int r = 0; r < ROUNDS; r++) {
                List<Variant> order = new ArrayList<>(variants);
                if (r % 2 == 1) {
                    java.util.Collections.reverse(order);
                }
                for (Variant v : order) {
                    Variant.Round round = v.run(n, size, 0);
                    rates.computeIfAbsent(v, k -> new ArrayList<>()).add(round.perSecond());
                    lost.merge(v, round.sent() - round.samples().count(), Integer::sum);
                }
            }
            double baseline = median(rates.get(variants.get(0)));
            for (Variant v : variants) {
                double rate = median(rates.get(v));
                int paced = (int) Math.max(100, rate / 2);
                Variant.Round latency = v.run(Math.min(n, paced), size, paced);
                Report.Row row = new Report.Row(scenario, size, v.name(), rate, rate / baseline,
                        latency.samples().quantileMicros(0.5), latency.samples().quantileMicros(0.99), paced,
                        lost.get(v));
                added.add(row);
                LOG.log(System.Logger.Level.INFO, "{0}", row);
            }
        }
        rows.addAll(added);
        return added;
    }

    /**
     * Each variant in turn at each fixed send rate, for {@link Report#LATENCY_SECONDS}: where does
     * the p99 leave the few-millisecond range, and how much of it do GC pauses explain?
     */
    private void latencyByRate(String scenario, int size, int[] rates, List<Variant> variants) throws Exception {
        for (int rate : rates) {
            for (Variant v : variants) {
                long[] cpu = cpuTicks();
                Variant.Round round = v.run(rate * Report.LATENCY_SECONDS, size, rate);
                long[] cpuAfter = cpuTicks();
                Samples s = round.samples();
                long[] gc = s.gcPauses();
                double busy = cpu == null || cpuAfter == null || cpuAfter[1] == cpu[1] ? Double.NaN
                        : 100.0 * (cpuAfter[0] - cpu[0]) / (cpuAfter[1] - cpu[1]);
                Report.LatencyRow row = new Report.LatencyRow(scenario, size, rate, v.name(), s.quantileMicros(0.5),
                        s.quantileMicros(0.99), s.quantileMicros(0.999), round.sent() - s.count(), gc[0], gc[1],
                        busy);
                latencyRows.add(row);
                LOG.log(System.Logger.Level.INFO, "{0}", row);
            }
        }
    }

    /**
     * @return the machine's CPU time so far in clock ticks, {busy, total}, from {@code /proc/stat};
     *         {@code null} where there is none (not Linux)
     */
    private static long[] cpuTicks() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < f.length; i++) {
                total += Long.parseLong(f[i]);
            }
            long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]); // idle + iowait
            return new long[] {total - idle, total};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    static double median(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).filter(d -> !Double.isNaN(d)).toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    /** A raw jnats subscription recording into the current round's samples. */
    private static final class RawReceiver implements AutoCloseable {
        private final Connection connection;
        private final Dispatcher dispatcher;
        private final Thread handOffThread;
        private volatile Samples samples = new Samples(0);
        private Runnable beforeRound = () -> { };

        /** Records on jnats' dispatcher thread. */
        RawReceiver(Connection connection, String subject) throws Exception {
            this(connection, subject, false);
        }

        /**
         * @param handOff whether the dispatcher thread hands each message to one plain thread
         *        that records it, through a bounded queue: the one thread hop a resource adapter
         *        must make (deliveries run on work-manager threads), without the adapter
         */
        /** An atomic batch's end-of-batch marker, which core subscribers see too, carries no stamp: not counted. */
        private void arrived(Message m) {
            String sent = m.getHeaders() == null ? null : m.getHeaders().getFirst(Samples.SENT_HEADER);
            if (sent != null) {
                samples.arrived(sent);
            }
        }

        RawReceiver(Connection connection, String subject, boolean handOff) throws Exception {
            this.connection = connection;
            if (handOff) {
                BlockingQueue<Message> queue = new ArrayBlockingQueue<>(64);
                handOffThread = new Thread(() -> {
                    try {
                        while (true) {
                            Message m = queue.take(); // before reading samples: a round may start meanwhile
                            arrived(m);
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt(); // closed
                    }
                }, "bench-hand-off-" + subject);
                handOffThread.setDaemon(true);
                handOffThread.start();
                this.dispatcher = connection.createDispatcher(queue::put);
            } else {
                handOffThread = null;
                this.dispatcher = connection.createDispatcher(this::arrived);
            }
            dispatcher.setPendingLimits(-1, -1); // the benchmark measures speed, not drops
            dispatcher.subscribe(subject);
            connection.flush(Duration.ofSeconds(5));
        }

        void beforeRound(ThrowingRunnable r) {
            beforeRound = () -> {
                try {
                    r.run();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            };
        }

        Samples startRound(int n) {
            beforeRound.run();
            samples = new Samples(n);
            return samples;
        }

        @Override
        public void close() {
            connection.closeDispatcher(dispatcher);
            if (handOffThread != null) {
                handOffThread.interrupt();
            }
        }
    }

    @FunctionalInterface
    interface ThrowingRunnable {
        void run() throws Exception;
    }
}
