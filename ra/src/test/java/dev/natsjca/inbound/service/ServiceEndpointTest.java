package dev.natsjca.inbound.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.google.protobuf.StringValue;

import dev.natsjca.api.NatsHeaders;
import dev.natsjca.api.NatsReply;
import dev.natsjca.api.NatsServiceException;
import dev.natsjca.inbound.EndpointActivation;
import dev.natsjca.inbound.NatsActivationSpec;
import dev.natsjca.testing.Await;
import dev.natsjca.testing.NatsServerExtension;
import dev.natsjca.testing.Specs;
import dev.natsjca.testing.StartedAdapter;
import dev.natsjca.testing.TestEndpointFactory;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.impl.Headers;
import io.nats.service.Discovery;
import io.nats.service.EndpointStats;
import io.nats.service.InfoResponse;
import io.nats.service.PingResponse;
import io.nats.service.ServiceMessage;
import io.nats.service.StatsResponse;
import jakarta.resource.spi.InvalidPropertyException;

/**
 * Service endpoints in the in-test harness, checked with jnats' own service client
 * ({@link Discovery}) as the independent side: the reply, error replies, the transaction's
 * outcome, discovery answered once per instance and moving when its host endpoint stops, the
 * statistics exact, and properties that break the protocol's rules refused.
 */
class ServiceEndpointTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    /** Discovery collects answers this long: enough for every instance to answer, so counts are exact. */
    private static final long DISCOVERY_MILLIS = 700;

    @RegisterExtension
    static final NatsServerExtension NATS = NatsServerExtension.onFreePort();

    private StartedAdapter started;
    private Connection client;
    private final List<LogRecord> logged = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            logged.add(r);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void start() throws Exception {
        started = new StartedAdapter(NATS.server().url(), 8);
        client = Nats.connect(NATS.server().url());
        Logger.getLogger(EndpointActivation.class.getName()).addHandler(capture);
    }

    @AfterEach
    void stop() throws Exception {
        Logger.getLogger(EndpointActivation.class.getName()).removeHandler(capture);
        if (started != null) {
            started.close();
        }
        if (client != null) {
            client.close();
        }
    }

    private static NatsActivationSpec service(String subject, String name, String version, String endpoint) {
        NatsActivationSpec spec = Specs.of(subject, null, null);
        spec.setServiceName(name);
        spec.setServiceVersion(version);
        spec.setEndpointName(endpoint);
        return spec;
    }

    private Message request(String subject, String body) throws Exception {
        Message reply = client.request(subject, body.getBytes(StandardCharsets.UTF_8), WAIT);
        assertTrue(reply != null, "no reply on " + subject);
        return reply;
    }

    private static String text(Message m) {
        return new String(m.getData(), StandardCharsets.UTF_8);
    }

    private Discovery discovery() {
        return new Discovery(client, DISCOVERY_MILLIS, 100);
    }

    /** Polls until the service answers a ping: its subscriptions are in place on the server. */
    private void awaitDiscoverable(String name) {
        Await.until(WAIT, "service " + name + " answers a ping", () -> !pings(name, 200).isEmpty());
    }

    /**
     * @return the answers to a ping of {@code name} ({@code null}: all services); none when
     *         nobody listens (jnats' Discovery fails to read the server's 503 as a response)
     */
    private List<PingResponse> pings(String name, long millis) {
        Discovery d = new Discovery(client, millis, 100);
        try {
            return name == null ? d.ping() : d.ping(name);
        } catch (IllegalArgumentException noResponders) {
            return List.of();
        }
    }

    private static EndpointStats endpoint(StatsResponse stats, String name) {
        return stats.getEndpointStatsList().stream().filter(e -> e.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no endpoint " + name + " in " + stats.toJson()));
    }

    @Test
    void aRequestIsAnsweredWithWhatTheBeanReturnsAndTheServiceIsDiscoverableWithExactStats() throws Exception {
        TestEndpointFactory quotes = new TestEndpointFactory("quotes").answering(m -> {
            String body = new String(m.data(), StandardCharsets.UTF_8);
            if (body.startsWith("bad")) {
                throw new NatsServiceException(400, "no quote for '" + body + "'");
            }
            Headers h = new Headers().put("Quote-Source", "test");
            return NatsReply.of(("quote for " + body).getBytes(StandardCharsets.UTF_8), h);
        });
        NatsActivationSpec spec = service("svc.quote", "pricing", "1.2.3", "quote");
        spec.setServiceDescription("prices things");
        spec.setServiceMetadata("team=pricing, tier=gold");
        spec.setEndpointMetadata("unit=EUR");
        started.adapter().endpointActivation(quotes, spec);
        TestEndpointFactory proto = new TestEndpointFactory("echo").answering(m -> NatsReply.of(
                StringValue.of("echo: " + new String(m.data(), StandardCharsets.UTF_8))));
        started.adapter().endpointActivation(proto, service("svc.echo", "pricing", "1.2.3", "echo"));
        awaitDiscoverable("pricing");

        Message ok = request("svc.quote", "Zürich");
        assertEquals("quote for Zürich", text(ok));
        assertEquals("test", ok.getHeaders().getFirst("Quote-Source"));
        Message echoed = request("svc.echo", "ß");
        assertEquals("echo: ß", StringValue.parseFrom(echoed.getData()).getValue());
        assertEquals("google.protobuf.StringValue", echoed.getHeaders().getFirst(NatsHeaders.PROTOBUF_TYPE));
        request("svc.quote", "Bern");
        Message refused = request("svc.quote", "bad-1");
        assertEquals("400", refused.getHeaders().getFirst(ServiceMessage.NATS_SERVICE_ERROR_CODE));
        assertEquals("no quote for 'bad-1'", refused.getHeaders().getFirst(ServiceMessage.NATS_SERVICE_ERROR));
        assertEquals(0, refused.getData().length);

        List<PingResponse> pings = discovery().ping("pricing");
        assertEquals(1, pings.size(), "one instance, answering once: " + pings);
        PingResponse ping = pings.get(0);
        assertEquals("1.2.3", ping.getVersion());
        assertEquals(Map.of("team", "pricing", "tier", "gold"), ping.getMetadata());
        assertEquals(1, discovery().ping().stream().filter(p -> p.getName().equals("pricing")).count());
        assertEquals(ping.getId(), discovery().ping("pricing", ping.getId()).getId(), "by name and id");

        InfoResponse info = discovery().info("pricing", ping.getId());
        assertEquals("prices things", info.getDescription());
        assertEquals(2, info.getEndpoints().size());
        io.nats.service.Endpoint quote = info.getEndpoints().stream().filter(e -> e.getName().equals("quote"))
                .findFirst().orElseThrow();
        assertEquals("svc.quote", quote.getSubject());
        assertEquals("q", quote.getQueueGroup(), "the protocol's default queue group");
        assertEquals(Map.of("unit", "EUR"), quote.getMetadata());

        StatsResponse stats = discovery().stats("pricing").get(0);
        EndpointStats q = endpoint(stats, "quote");
        assertEquals(3, q.getNumRequests());
        assertEquals(1, q.getNumErrors());
        assertEquals("400: no quote for 'bad-1'", q.getLastError());
        assertTrue(q.getProcessingTime() > 0, q.toJson());
        assertEquals(q.getProcessingTime() / 3, q.getAverageProcessingTime());
        EndpointStats e = endpoint(stats, "echo");
        assertEquals(1, e.getNumRequests());
        assertEquals(0, e.getNumErrors());
        assertTrue(stats.getStarted() != null);
    }

    @Test
    void aFailureThatIsNotTheBeansServiceErrorAnswers500AndNonAsciiDescriptionsAreEscaped() throws Exception {
        TestEndpointFactory f = new TestEndpointFactory("fails").answering(m -> {
            if (new String(m.data(), StandardCharsets.UTF_8).equals("own")) {
                throw new NatsServiceException(404, "Bestellung ungültig\nzweite Zeile");
            }
            throw new IllegalStateException("secret detail that stays in the server log");
        });
        started.adapter().endpointActivation(f, service("svc.fail", "failing", "0.1.0", "fail"));
        awaitDiscoverable("failing");

        Message own = request("svc.fail", "own");
        assertEquals("404", own.getHeaders().getFirst(ServiceMessage.NATS_SERVICE_ERROR_CODE));
        assertEquals("Bestellung ung\\u00fcltig zweite Zeile", own.getHeaders().getFirst(ServiceMessage.NATS_SERVICE_ERROR));
        Message other = request("svc.fail", "other");
        assertEquals("500", other.getHeaders().getFirst(ServiceMessage.NATS_SERVICE_ERROR_CODE));
        String description = other.getHeaders().getFirst(ServiceMessage.NATS_SERVICE_ERROR);
        assertEquals("the request failed (java.lang.IllegalStateException)", description);

        EndpointStats stats = endpoint(discovery().stats("failing").get(0), "fail");
        assertEquals(2, stats.getNumRequests());
        assertEquals(2, stats.getNumErrors());
        assertEquals("500: the request failed (java.lang.IllegalStateException)", stats.getLastError());
    }

    @Test
    void inATransactionTheReplyLeavesAtCommitAndARollbackAnswersAnError() throws Exception {
        TestEndpointFactory f = new TestEndpointFactory("tx").answering(m -> NatsReply.of("done"));
        f.transacted(m -> new String(m.data(), StandardCharsets.UTF_8).equals("roll back"));
        started.adapter().endpointActivation(f, service("svc.tx", "txsvc", "1.0.0", "tx"));
        awaitDiscoverable("txsvc");

        assertEquals("done", text(request("svc.tx", "commit")));
        Message rolledBack = request("svc.tx", "roll back");
        assertEquals("500", rolledBack.getHeaders().getFirst(ServiceMessage.NATS_SERVICE_ERROR_CODE));
        assertEquals("the transaction rolled back", rolledBack.getHeaders().getFirst(ServiceMessage.NATS_SERVICE_ERROR));
        assertEquals(0, rolledBack.getData().length, "nothing of the bean's reply");
        EndpointStats stats = endpoint(discovery().stats("txsvc").get(0), "tx");
        assertEquals(2, stats.getNumRequests());
        assertEquals(1, stats.getNumErrors());
    }

    @Test
    void aBeanThatThrowsInATransactionThatCommitsAllTheSameAnswersItsError() throws Exception {
        TestEndpointFactory f = new TestEndpointFactory("keeps").answering(m -> {
            throw new TestEndpointFactory.KeepsTransaction(409, "already there");
        });
        f.transacted(m -> false);
        started.adapter().endpointActivation(f, service("svc.keeps", "keeping", "1.0.0", "keeps"));
        awaitDiscoverable("keeping");
        Message reply = request("svc.keeps", "x");
        assertEquals("409", reply.getHeaders() == null ? null
                : reply.getHeaders().getFirst(ServiceMessage.NATS_SERVICE_ERROR_CODE), "the error, not an empty success");
        assertEquals(1, endpoint(discovery().stats("keeping").get(0), "keeps").getNumErrors());
    }

    @Test
    void aReplyOverMaxPayloadIsAnsweredAsAnErrorNamingTheLimit() throws Exception {
        long max = client.getMaxPayload();
        TestEndpointFactory f = new TestEndpointFactory("huge").answering(m -> NatsReply.of(new byte[(int) max + 1]));
        f.transacted(m -> false);
        started.adapter().endpointActivation(f, service("svc.huge", "huge", "1.0.0", "huge"));
        awaitDiscoverable("huge");
        Message reply = request("svc.huge", "x");
        assertEquals("500", reply.getHeaders().getFirst(ServiceMessage.NATS_SERVICE_ERROR_CODE));
        String why = reply.getHeaders().getFirst(ServiceMessage.NATS_SERVICE_ERROR);
        assertTrue(why.contains("max_payload of " + max), why);
    }

    @Test
    void aReplySentAtACommitThatLeftTheThreadInterruptedStillLeaves() throws Exception {
        TestEndpointFactory f = new TestEndpointFactory("intr").answering(m -> NatsReply.of("made it"));
        f.transacted(m -> false);
        f.interruptAtCompletion();
        started.adapter().endpointActivation(f, service("svc.intr", "interrupted", "1.0.0", "intr"));
        awaitDiscoverable("interrupted");
        assertEquals("made it", text(request("svc.intr", "x")));
        assertEquals("made it", text(request("svc.intr", "y")), "the worker goes on");
    }

    @Test
    void aDescriptionSetByALaterEndpointIsTheServicesWhateverTheOrder() throws Exception {
        started.adapter().endpointActivation(new TestEndpointFactory("bare").answering(m -> NatsReply.empty()),
                service("svc.bare", "ordered", "1.0.0", "bare"));
        NatsActivationSpec described = service("svc.described", "ordered", "1.0.0", "described");
        described.setServiceDescription("told by the second");
        described.setServiceMetadata("k=v");
        started.adapter().endpointActivation(new TestEndpointFactory("described").answering(m -> NatsReply.empty()),
                described);
        NatsActivationSpec other = service("svc.other", "ordered", "1.0.0", "other");
        other.setServiceDescription("something else");
        InvalidPropertyException e = assertThrows(InvalidPropertyException.class, () -> started.adapter()
                .endpointActivation(new TestEndpointFactory("other").answering(m -> NatsReply.empty()), other));
        assertTrue(e.getMessage().contains("'serviceDescription': 'something else'"), e.getMessage());
        awaitDiscoverable("ordered");
        InfoResponse info = discovery().info("ordered").get(0);
        assertEquals("told by the second", info.getDescription());
        assertEquals(Map.of("k", "v"), info.getMetadata());
        assertEquals(2, info.getEndpoints().size());
    }

    @Test
    void aCauseChainWithACycleEndsTheSearchForTheBeansServiceError() {
        RuntimeException a = new RuntimeException("a");
        RuntimeException b = new RuntimeException("b", a);
        a.initCause(b);
        assertEquals(null, ServiceEndpointActivation.serviceException(a));
        NatsServiceException own = new NatsServiceException(418, "teapot");
        assertEquals(own, ServiceEndpointActivation.serviceException(new RuntimeException(new RuntimeException(own))));
    }

    @Test
    void aRequestWithoutAReplySubjectIsProcessedAndLoggedOncePerActivation() throws Exception {
        TestEndpointFactory f = new TestEndpointFactory("noreply").answering(m -> NatsReply.of("unheard"));
        started.adapter().endpointActivation(f, service("svc.noreply", "quiet", "1.0.0", "noreply"));
        awaitDiscoverable("quiet");
        for (int k = 0; k < 3; k++) {
            client.publish("svc.noreply", new byte[] {(byte) k});
        }
        Await.until(WAIT, "the 3 processed", () -> f.received().size() == 3);
        Await.until(WAIT, "counted", () -> endpoint(discovery().stats("quiet").get(0), "noreply").getNumRequests() == 3);
        long said = logged.stream().filter(r -> r.getLevel() == Level.INFO
                && r.getMessage().contains("without a reply subject")).count();
        assertEquals(1, said, "logged once, not per message");
    }

    @Test
    void twoActivationsInOneQueueGroupEachAnswerPartAndABeanWithoutServiceNameStillAnswers() throws Exception {
        TestEndpointFactory a = new TestEndpointFactory("a").answering(m -> NatsReply.of("a"));
        TestEndpointFactory b = new TestEndpointFactory("b").answering(m -> NatsReply.of("b"));
        NatsActivationSpec sa = Specs.of("svc.shared", null, null);
        sa.setQueueGroup("shared");
        NatsActivationSpec sb = Specs.of("svc.shared", null, null);
        sb.setQueueGroup("shared");
        started.adapter().endpointActivation(a, sa);
        started.adapter().endpointActivation(b, sb);
        Await.until(WAIT, "both subscribed", () -> {
            try {
                return NATS.server().subscriptionCount("svc.shared") == 2;
            } catch (Exception e) {
                return false;
            }
        });
        java.util.Map<String, Integer> by = new java.util.TreeMap<>();
        for (int k = 0; k < 60; k++) {
            by.merge(text(request("svc.shared", "r" + k)), 1, Integer::sum);
        }
        assertEquals(60, a.received().size() + b.received().size(), "each request once");
        assertTrue(by.getOrDefault("a", 0) > 0 && by.getOrDefault("b", 0) > 0, "both answered part: " + by);
        assertTrue(pings(null, DISCOVERY_MILLIS).isEmpty(), "no service was named: nothing to discover");
    }

    @Test
    void discoveryMovesToAnotherEndpointWhenItsHostStopsAndEndsWithTheLast() throws Exception {
        TestEndpointFactory first = new TestEndpointFactory("first").answering(m -> NatsReply.of("1"));
        TestEndpointFactory second = new TestEndpointFactory("second").answering(m -> NatsReply.of("2"));
        NatsActivationSpec s1 = service("svc.one", "moving", "1.0.0", "one");
        NatsActivationSpec s2 = service("svc.two", "moving", "1.0.0", "two");
        started.adapter().endpointActivation(first, s1);
        started.adapter().endpointActivation(second, s2);
        awaitDiscoverable("moving");
        String id = discovery().ping("moving").get(0).getId();
        request("svc.two", "x");

        started.adapter().endpointDeactivation(first, s1); // it hosted discovery
        Await.until(WAIT, "discovery answered from the other endpoint", () -> {
            List<InfoResponse> infos = new Discovery(client, 300, 10).info("moving");
            return infos.size() == 1 && infos.get(0).getEndpoints().size() == 1;
        });
        StatsResponse stats = discovery().stats("moving").get(0);
        assertEquals(id, stats.getId(), "the same instance");
        assertEquals(1, endpoint(stats, "two").getNumRequests(), "its counts kept");

        started.adapter().endpointDeactivation(second, s2);
        Await.until(WAIT, "nothing answers once the last endpoint stopped", () -> pings("moving", 300).isEmpty());
        started.adapter().endpointActivation(first, s1);
        awaitDiscoverable("moving");
        assertNotEquals(id, discovery().ping("moving").get(0).getId(), "a new instance, a new id");
    }

    @Test
    void requestsTakenButNotDeliveredWhenTheEndpointStopsAreAnswered503NotLeftToTimeOut() throws Exception {
        java.util.concurrent.CountDownLatch blocked = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        TestEndpointFactory f = new TestEndpointFactory("slow", m -> {
            blocked.countDown();
            try {
                release.await(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }).answering(m -> NatsReply.of("finished"));
        NatsActivationSpec spec = service("svc.slow", "stopping", "1.0.0", "slow");
        started.adapter().endpointActivation(f, spec);
        awaitDiscoverable("stopping");
        java.util.concurrent.CompletableFuture<Message> first = client.request("svc.slow", new byte[] {1});
        assertTrue(blocked.await(20, java.util.concurrent.TimeUnit.SECONDS));
        List<java.util.concurrent.CompletableFuture<Message>> waiting = new java.util.ArrayList<>();
        for (int k = 0; k < 3; k++) {
            waiting.add(client.request("svc.slow", new byte[] {2}));
        }
        EndpointActivation activation = started.adapter().activation(f, spec);
        Await.until(WAIT, "three requests behind the one in delivery",
                () -> started.adapter().monitoring().snapshot().activations().stream()
                        .anyMatch(a -> a.handOffDepth() == 3));
        Thread releaser = new Thread(() -> {
            Await.until(WAIT, "deactivation under way", () -> activation.state() == EndpointActivation.State.STOPPED);
            release.countDown();
        });
        releaser.start();
        started.adapter().endpointDeactivation(f, spec);
        releaser.join(30_000);
        assertEquals("finished", text(first.get(20, java.util.concurrent.TimeUnit.SECONDS)));
        for (java.util.concurrent.CompletableFuture<Message> w : waiting) {
            Message m = w.get(20, java.util.concurrent.TimeUnit.SECONDS);
            assertEquals("503", m.getHeaders() == null ? null
                    : m.getHeaders().getFirst(ServiceMessage.NATS_SERVICE_ERROR_CODE), "answered, not dropped");
        }
    }

    @Test
    void propertiesThatBreakTheProtocolsRulesAreRefusedNamingPropertyAndValue() throws Exception {
        assertRefused(service("svc.x", "bad name", "1.0.0", null), "serviceName", "bad name");
        assertRefused(service("svc.x", "ok", "1.0", null), "serviceVersion", "1.0");
        assertRefused(service("svc.x", "ok", null, null), "serviceVersion", "semantic version");
        assertRefused(service("svc.x", "ok", "1.0.0", "a.b"), "endpointName", "a.b");
        NatsActivationSpec meta = service("svc.x", "ok", "1.0.0", null);
        meta.setServiceMetadata("team");
        assertRefused(meta, "serviceMetadata", "team");
        NatsActivationSpec orphan = Specs.of("svc.x", null, null);
        orphan.setServiceVersion("1.0.0");
        assertRefused(orphan, "serviceVersion", "serviceName");
        NatsActivationSpec two = service("svc.x,svc.y", "ok", "1.0.0", null);
        assertRefused(two, "subject", "svc.x,svc.y");
        NatsActivationSpec stream = service("svc.x", "ok", "1.0.0", null);
        stream.setStream("ORDERS");
        assertRefused(stream, "stream", "ORDERS");
    }

    private static void assertRefused(NatsActivationSpec spec, String property, String value) {
        InvalidPropertyException e = assertThrows(InvalidPropertyException.class, spec::validate);
        assertTrue(e.getMessage().contains("'" + property + "'") && e.getMessage().contains(value), e.getMessage());
    }

    @Test
    void atActivationADuplicateEndpointADisagreeingServiceAndAServiceOnANonAnsweringBeanAreRefused() throws Exception {
        started.adapter().endpointActivation(new TestEndpointFactory("one").answering(m -> NatsReply.empty()),
                service("svc.a", "dup", "1.0.0", "same"));
        InvalidPropertyException dup = assertThrows(InvalidPropertyException.class, () -> started.adapter()
                .endpointActivation(new TestEndpointFactory("two").answering(m -> NatsReply.empty()),
                        service("svc.b", "dup", "1.0.0", "same")));
        assertTrue(dup.getMessage().contains("'endpointName': 'same'"), dup.getMessage());
        InvalidPropertyException version = assertThrows(InvalidPropertyException.class, () -> started.adapter()
                .endpointActivation(new TestEndpointFactory("three").answering(m -> NatsReply.empty()),
                        service("svc.c", "dup", "2.0.0", "other")));
        assertTrue(version.getMessage().contains("'serviceVersion': '2.0.0'")
                && version.getMessage().contains("'1.0.0'"), version.getMessage());
        InvalidPropertyException notAnswering = assertThrows(InvalidPropertyException.class, () -> started.adapter()
                .endpointActivation(new TestEndpointFactory("plain"), service("svc.d", "plain", "1.0.0", null)));
        assertTrue(notAnswering.getMessage().contains("'serviceName': 'plain'")
                && notAnswering.getMessage().contains("NatsServiceListener"), notAnswering.getMessage());
        NatsActivationSpec js = Specs.of("svc.e", "SOME", "durable");
        InvalidPropertyException onStream = assertThrows(InvalidPropertyException.class, () -> started.adapter()
                .endpointActivation(new TestEndpointFactory("js").answering(m -> NatsReply.empty()), js));
        assertTrue(onStream.getMessage().contains("'stream': 'SOME'"), onStream.getMessage());
        List<PingResponse> pings = discovery().ping("dup");
        assertEquals(1, pings.size());
        assertEquals(1, discovery().info("dup").get(0).getEndpoints().size(), "the refused endpoints are not listed");
    }
}
