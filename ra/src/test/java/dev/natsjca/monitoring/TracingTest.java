package dev.natsjca.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.natsjca.api.NatsConnection;
import dev.natsjca.inbound.NatsActivationSpec;
import dev.natsjca.outbound.NatsManagedConnectionFactory;
import dev.natsjca.testing.Await;
import dev.natsjca.testing.NatsServerExtension;
import dev.natsjca.testing.Specs;
import dev.natsjca.testing.StartedAdapter;
import dev.natsjca.testing.TestCdi;
import dev.natsjca.testing.TestEndpointFactory;
import dev.natsjca.testing.TestXid;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.impl.Headers;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;

/**
 * Trace context across NATS, with a real OpenTelemetry SDK found the way the servers offer it
 * (a CDI bean of the application): messages published in a span, at once or staged in a
 * transaction, carry its {@code traceparent}; each delivery runs in a consumer span that
 * continues it, with the messaging attributes; failures, naks and dead letters show on the span.
 * Without a current span, or with the application's own {@code traceparent}, headers are untouched.
 */
class TracingTest {

    @RegisterExtension
    static final NatsServerExtension NATS = NatsServerExtension.onFreePort();

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final InMemorySpanExporter SPANS = InMemorySpanExporter.create();
    private static OpenTelemetrySdk sdk;
    private static Tracer tracer;

    private final List<Message> seen = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void openTelemetry() {
        sdk = OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(SPANS)).build())
                .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance())).build();
        tracer = sdk.getTracer("test");
        // The bean's class loader (TestEndpointFactory's endpoint class) is the application's.
        TestCdi.install(OpenTelemetry.class, sdk, TestEndpointFactory.class.getClassLoader());
    }

    @AfterAll
    static void noOpenTelemetry() {
        TestCdi.uninstall();
        sdk.close();
    }

    @BeforeEach
    void clear() {
        SPANS.reset();
    }

    private NatsManagedConnectionFactory factory() {
        NatsManagedConnectionFactory mcf = new NatsManagedConnectionFactory();
        mcf.setServerUrls(NATS.server().url());
        return mcf;
    }

    private Connection observe(String subject) throws Exception {
        Connection c = Nats.connect(NATS.server().url());
        Dispatcher d = c.createDispatcher(seen::add);
        d.subscribe(subject);
        c.flush(WAIT);
        return c;
    }

    private static String traceparent(Message m) {
        return m.getHeaders() == null ? null : m.getHeaders().getFirst("traceparent");
    }

    @Test
    void publishesCarryTheTraceContextOfThePublishingCodeImmediateAndStaged() throws Exception {
        NatsManagedConnectionFactory mcf = factory();
        var mc = mcf.createManagedConnection(null, null);
        try (Connection observer = observe("trace.out.>")) {
            NatsConnection handle = (NatsConnection) mc.getConnection(null, null);
            Span span = tracer.spanBuilder("publishing code").startSpan();
            String traceId = span.getSpanContext().getTraceId();
            Headers own = new Headers().put("x-app", "1");
            try (Scope ignored = span.makeCurrent()) {
                handle.publish("trace.out.now", own, "a".getBytes(StandardCharsets.UTF_8));
                XAResource xa = mc.getXAResource();
                Xid xid = new TestXid();
                xa.start(xid, XAResource.TMNOFLAGS);
                handle.publish("trace.out.staged", "b".getBytes(StandardCharsets.UTF_8));
                xa.end(xid, XAResource.TMSUCCESS);
                xa.commit(xid, true);
            } finally {
                span.end();
            }
            handle.publish("trace.out.untraced", "c".getBytes(StandardCharsets.UTF_8));
            Headers app = new Headers().put("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
            try (Scope ignored = tracer.spanBuilder("other").startSpan().makeCurrent()) {
                handle.publish("trace.out.own", app, "d".getBytes(StandardCharsets.UTF_8));
            }
            Await.until(WAIT, () -> "4 seen: " + seen, () -> seen.size() == 4);
            assertTrue(traceparent(seen.get(0)).contains(traceId), traceparent(seen.get(0)));
            assertTrue(traceparent(seen.get(0)).contains(span.getSpanContext().getSpanId()));
            assertEquals("1", seen.get(0).getHeaders().getFirst("x-app"));
            assertNull(own.getFirst("traceparent"), "the application's headers are not changed");
            assertTrue(traceparent(seen.get(1)).contains(traceId), "staged: " + traceparent(seen.get(1)));
            assertNull(seen.get(2).getHeaders(), "no current span: nothing added");
            assertEquals("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", traceparent(seen.get(3)),
                    "the application's own trace context is kept");
        } finally {
            mc.destroy();
        }
    }

    @Test
    void eachDeliveryRunsInAConsumerSpanThatContinuesThePublishersTrace() throws Exception {
        try (StartedAdapter started = new StartedAdapter(NATS.server().url(), 4);
             Connection client = Nats.connect(NATS.server().url())) {
            client.jetStreamManagement().addStream(StreamConfiguration.builder().name("TRC").subjects("trc.>").build());
            client.jetStreamManagement().addStream(StreamConfiguration.builder().name("TRC_DLQ").subjects("dlq.trc")
                    .build());
            List<String> currentTraceIds = new CopyOnWriteArrayList<>();
            TestEndpointFactory endpoint = new TestEndpointFactory("trc", m -> {
                currentTraceIds.add(Span.current().getSpanContext().getTraceId());
                if (new String(m.data(), StandardCharsets.UTF_8).equals("bad")) {
                    throw new IllegalStateException("test: bad");
                }
            });
            NatsActivationSpec spec = Specs.of("trc.x", "TRC", "trc-worker");
            spec.setMaxDeliver("2");
            spec.setBackoff("10");
            spec.setDeadLetterSubject("dlq.trc");
            started.adapter().endpointActivation(endpoint, spec);

            Span producer = tracer.spanBuilder("producer").startSpan();
            Headers h = new Headers().put("Nats-Msg-Id", "id-good");
            try (Scope ignored = producer.makeCurrent()) {
                W3CTraceContextPropagator.getInstance().inject(io.opentelemetry.context.Context.current(), h,
                        (carrier, k, v) -> carrier.put(k, v));
            } finally {
                producer.end();
            }
            client.jetStream().publish("trc.x", h, "good".getBytes(StandardCharsets.UTF_8));
            client.jetStream().publish("trc.x", "bad".getBytes(StandardCharsets.UTF_8));

            Await.until(WAIT, () -> "3 consumer spans: " + SPANS.getFinishedSpanItems(), () -> SPANS
                    .getFinishedSpanItems().stream().filter(s -> s.getKind() == SpanKind.CONSUMER).count() == 3);
            SpanData good = SPANS.getFinishedSpanItems().stream()
                    .filter(s -> s.getTraceId().equals(producer.getSpanContext().getTraceId())
                            && s.getKind() == SpanKind.CONSUMER).findFirst().orElseThrow();
            assertEquals(producer.getSpanContext().getSpanId(), good.getParentSpanId());
            assertEquals("process trc.x", good.getName());
            assertEquals("nats", good.getAttributes().get(AttributeKey.stringKey("messaging.system")));
            assertEquals("trc.x", good.getAttributes().get(AttributeKey.stringKey("messaging.destination.name")));
            assertEquals("process", good.getAttributes().get(AttributeKey.stringKey("messaging.operation.type")));
            assertEquals("trc-worker", good.getAttributes().get(AttributeKey.stringKey("messaging.consumer.group.name")));
            assertEquals("id-good", good.getAttributes().get(AttributeKey.stringKey("messaging.message.id")));
            assertEquals(4L, good.getAttributes().get(AttributeKey.longKey("messaging.message.body.size")));
            assertTrue(currentTraceIds.contains(producer.getSpanContext().getTraceId()),
                    "the span is current in onMessage: " + currentTraceIds);

            List<SpanData> bad = SPANS.getFinishedSpanItems().stream().filter(s -> s.getKind() == SpanKind.CONSUMER
                    && !s.getTraceId().equals(producer.getSpanContext().getTraceId())).toList();
            assertEquals(2, bad.size(), bad.toString());
            for (SpanData s : bad) {
                assertEquals(StatusCode.ERROR, s.getStatus().getStatusCode());
                assertTrue(s.getEvents().stream().anyMatch(e -> e.getName().equals("exception")), s.toString());
            }
            assertTrue(bad.stream().anyMatch(s -> s.getEvents().stream().anyMatch(e -> e.getName().equals("nak"))),
                    bad.toString());
            assertTrue(bad.stream().anyMatch(s -> s.getEvents().stream().anyMatch(e -> e.getName().equals("dead_letter"))),
                    bad.toString());
        }
    }

    @Test
    void withoutOpenTelemetryHeadersPassThroughUntouched() {
        Headers h = new Headers().put("a", "b");
        assertSame(h, Tracing.NONE.withContext(h));
        assertNull(Tracing.NONE.withContext(null));
        assertSame(Tracing.DeliverySpan.NONE, Tracing.NONE.consumer(null, "x", null).start(null));
        assertNotNull(Tracing.detect());
    }
}
