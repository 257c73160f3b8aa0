package dev.natsjca.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
 * directory given as the only argument.
 */
public final class Bench {

    private static final System.Logger LOG = System.getLogger(Bench.class.getName());
    private static final int[] SIZES = {128, 4096};
    private static final int ROUNDS = 4;
    private static final Duration STALL = Duration.ofSeconds(3);

    private final NatsServer nats;
    private final StartedAdapter adapter;
    private final Connection pub;
    private final Connection sub;
    private final List<Report.Row> rows = new ArrayList<>();

    private Bench(NatsServer nats, StartedAdapter adapter, Connection pub, Connection sub) {
        this.nats = nats;
        this.adapter = adapter;
        this.pub = pub;
        this.sub = sub;
    }

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args.length > 0 ? args[0] : ".");
        long started = System.nanoTime();
        Options.Builder opts = Options.builder().maxReconnects(-1);
        try (NatsServer nats = NatsServer.start();
             StartedAdapter adapter = new StartedAdapter(nats.url(), 8);
             Connection pub = Nats.connect(opts.server(nats.url()).build());
             Connection sub = Nats.connect(opts.server(nats.url()).build())) {
            Bench bench = new Bench(nats, adapter, pub, sub);
            bench.outboundCore();
            bench.outboundJetStream();
            bench.inboundCore();
            bench.inboundJetStream();
            if (args.length >= 3) {
                Path wildfly = ServerBench.required(args[1], "WildFly");
                Path rar = ServerBench.required(args[2], "the resource adapter archive");
                try (ServerBench server = new ServerBench(nats.url(), pub, wildfly, rar,
                        wildfly.resolveSibling("wildfly-bench.log"))) {
                    bench.inWildFly(server);
                }
            }
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            Report.write(out, bench.rows, took, LocalDate.now());
            LOG.log(System.Logger.Level.INFO, "Benchmark done in {0}; wrote {1} and {2}", took,
                    out.resolve("RESULTS.md"), out.resolve("results.png"));
        }
        System.exit(0); // the adapter's and jnats' non-daemon threads are stopped; nothing else to wait for
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
        Variant raw = variant("raw jnats publishAsync, all acks awaited", receiver, (n, size, rate) -> {
            List<CompletableFuture<PublishAck>> acks = new ArrayList<>(n);
            long first = Sender.send(n, size, rate, (h, d) -> acks.add(js.publishAsync(subject, h, d)));
            for (CompletableFuture<PublishAck> a : acks) {
                a.get(30, TimeUnit.SECONDS);
            }
            return first;
        });
        Variant tx1 = variant("adapter: transactional publish, 1 per commit", receiver,
                (n, size, rate) -> transacted(n, size, rate, 1, handle, xa, subject));
        Variant tx100 = variant("adapter: transactional publish, 100 per commit", receiver,
                (n, size, rate) -> transacted(n, size, rate, 100, handle, xa, subject));
        compare("2. Outbound, JetStream", 5_000, List.of(raw, tx1, tx100));
        handle.close();
        mc.destroy();
        receiver.close();
    }

    /** Publishes through the handle in transactions of {@code perCommit}, committed one-phase as a TM does. */
    private static long transacted(int n, int size, int rate, int perCommit, NatsConnection handle, XAResource xa,
                                   String subject) throws Exception {
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
                xa.commit(xid[0], true);
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
        for (int c : new int[] {1, 4}) {
            String subject = "bench.in.core.mdb" + c;
            NatsActivationSpec spec = new NatsActivationSpec();
            spec.setSubject(subject);
            spec.setMaxConcurrency(Integer.toString(c));
            spec.setMaxPending("1000000");
            variants.add(activation("adapter delivery path (no EJB container), maxConcurrency " + c, spec, false,
                    (n, size, rate) -> Sender.send(n, size, rate, (h, d) -> pub.publish(subject, h, d))));
        }
        awaitSubscriptions(List.of(rawSubject, "bench.in.core.mdb1", "bench.in.core.mdb4"));
        compare("3. Inbound, core", 20_000, variants);
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

        String rawSubject = "bench.srv.core.raw";
        RawReceiver raw = new RawReceiver(sub, rawSubject);
        compare("3b. Inbound, core, MDB in WildFly", 20_000, List.of(
                variant("raw jnats dispatcher", raw,
                        (n, size, rate) -> Sender.send(n, size, rate, (h, d) -> pub.publish(rawSubject, h, d))),
                server.serverReceiver("NATS MDB, maxConcurrency 1", "core1",
                        (n, size, rate) -> Sender.send(n, size, rate, (h, d) -> pub.publish("bench.srv.core1", h, d))),
                server.serverReceiver("NATS MDB, maxConcurrency 4", "core4",
                        (n, size, rate) -> Sender.send(n, size, rate, (h, d) -> pub.publish("bench.srv.core4", h, d)))));
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
        compare("4b. Inbound, JetStream, MDB in WildFly", 5_000, List.of(
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
                        (n, size, rate) -> publishAsync(js, "bench.srv.jstx", n, size, rate))));
        consumer.stop();
        compare("5a. NATS core MDB vs non-persistent JMS MDB (Artemis), in WildFly", 10_000, List.of(
                server.serverReceiver("JMS MDB, non-persistent, maxSession 4", "jms",
                        (n, size, rate) -> server.inServer("jms jms " + n + " " + size + " false " + rate)),
                server.serverReceiver("NATS core MDB, maxConcurrency 4", "core4",
                        (n, size, rate) -> Sender.send(n, size, rate, (h, d) -> pub.publish("bench.srv.core4", h, d)))));
        compare("5b. NATS JetStream MDB vs persistent JMS MDB, not transacted, in WildFly", 5_000, List.of(
                server.serverReceiver("JMS MDB, persistent, maxSession 4", "jms",
                        (n, size, rate) -> server.inServer("jms jms " + n + " " + size + " true " + rate)),
                server.serverReceiver("NATS JetStream MDB (file storage, acks), maxConcurrency 4", "js",
                        (n, size, rate) -> publishAsync(js, "bench.srv.js", n, size, rate))));
        compare("5c. Transacted: NATS JetStream MDB vs persistent JMS MDB, in WildFly", 5_000, List.of(
                server.serverReceiver("JMS MDB, persistent, transacted, maxSession 4", "jmstx",
                        (n, size, rate) -> server.inServer("jms jmstx " + n + " " + size + " true " + rate)),
                server.serverReceiver("NATS JetStream MDB, transacted, maxConcurrency 4", "jstx",
                        (n, size, rate) -> publishAsync(js, "bench.srv.jstx", n, size, rate))));
    }

    private static long publishAsync(JetStream js, String subject, int n, int size, int rate) throws Exception {
        List<CompletableFuture<PublishAck>> acks = new ArrayList<>(n);
        long first = Sender.send(n, size, rate, (h, d) -> acks.add(js.publishAsync(subject, h, d)));
        for (CompletableFuture<PublishAck> a : acks) {
            a.get(30, TimeUnit.SECONDS);
        }
        return first;
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
        BenchEndpointFactory endpoints = new BenchEndpointFactory(name, transacted);
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
        NatsManagedConnectionFactory mcf = new NatsManagedConnectionFactory();
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

    /** Warm-up, alternating throughput rounds, then a latency round per variant at half its peak. */
    private void compare(String scenario, int n, List<Variant> variants) throws Exception {
        for (int size : SIZES) {
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
                rows.add(row);
                LOG.log(System.Logger.Level.INFO, "{0}", row);
            }
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
        private volatile Samples samples = new Samples(0);
        private Runnable beforeRound = () -> { };

        RawReceiver(Connection connection, String subject) throws Exception {
            this.connection = connection;
            this.dispatcher = connection.createDispatcher(m -> samples.arrived(m.getHeaders().getFirst(Samples.SENT_HEADER)));
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
        }
    }

    @FunctionalInterface
    interface ThrowingRunnable {
        void run() throws Exception;
    }
}
