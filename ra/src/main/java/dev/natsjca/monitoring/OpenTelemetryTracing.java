package dev.natsjca.monitoring;

import java.lang.System.Logger.Level;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import io.nats.client.Message;
import io.nats.client.impl.Headers;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;

/**
 * {@link Tracing} over the OpenTelemetry API the application server provides. Propagation needs
 * no configured instance (the current context and the W3C format are static); consumer spans need
 * the application's {@link OpenTelemetry}, found through the bean's class loader
 * ({@link #openTelemetry}).
 */
final class OpenTelemetryTracing extends Tracing {

    private static final System.Logger LOG = System.getLogger(OpenTelemetryTracing.class.getName());
    static final String TRACEPARENT = "traceparent";
    static final String TRACESTATE = "tracestate";
    static final String INSTRUMENTATION = "dev.natsjca";

    private static final AttributeKey<String> SYSTEM = AttributeKey.stringKey("messaging.system");
    private static final AttributeKey<String> DESTINATION = AttributeKey.stringKey("messaging.destination.name");
    private static final AttributeKey<String> SUBSCRIPTION = AttributeKey.stringKey("messaging.destination.subscription.name");
    private static final AttributeKey<String> OPERATION_TYPE = AttributeKey.stringKey("messaging.operation.type");
    private static final AttributeKey<String> OPERATION_NAME = AttributeKey.stringKey("messaging.operation.name");
    private static final AttributeKey<String> GROUP = AttributeKey.stringKey("messaging.consumer.group.name");
    private static final AttributeKey<String> MESSAGE_ID = AttributeKey.stringKey("messaging.message.id");
    private static final AttributeKey<Long> BODY_SIZE = AttributeKey.longKey("messaging.message.body.size");
    private static final AttributeKey<Long> DELIVERY_COUNT = AttributeKey.longKey("messaging.nats.delivery_count");
    private static final AttributeKey<Long> STREAM_SEQUENCE = AttributeKey.longKey("messaging.nats.stream_sequence");

    private static final TextMapGetter<Headers> GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Headers headers) {
            return headers.keySet();
        }

        @Override
        public String get(Headers headers, String key) {
            if (headers == null) {
                return null;
            }
            String v = headers.getFirst(key);
            if (v == null) {
                for (String k : headers.keySet()) { // W3C names are lower case; senders may differ
                    if (k.equalsIgnoreCase(key)) {
                        return headers.getFirst(k);
                    }
                }
            }
            return v;
        }
    };

    /** The W3C headers of the last span published in: many publishes in one span format them once. */
    private volatile Formatted last;

    private record Formatted(SpanContext context, String traceparent, String tracestate) {
    }

    @Override
    public Headers withContext(Headers headers) {
        SpanContext span = Span.current().getSpanContext();
        if (!span.isValid() || carriesContext(headers)) {
            return headers;
        }
        Headers copy = headers == null ? new Headers() : new Headers(headers);
        put(copy, span);
        return copy;
    }

    @Override
    public void injectInto(Headers headers) {
        SpanContext span = Span.current().getSpanContext();
        if (span.isValid() && !carriesContext(headers)) {
            put(headers, span);
        }
    }

    private void put(Headers headers, SpanContext span) {
        Formatted f = last;
        if (f == null || f.context() != span) { // span contexts are immutable: identity is enough
            Map<String, String> carrier = new HashMap<>(4);
            W3CTraceContextPropagator.getInstance().inject(Context.current(), carrier, Map::put);
            f = new Formatted(span, carrier.get(TRACEPARENT), carrier.get(TRACESTATE));
            last = f;
        }
        headers.put(TRACEPARENT, f.traceparent());
        if (f.tracestate() != null) {
            headers.put(TRACESTATE, f.tracestate());
        }
    }

    /** An application that set its own trace context keeps it. */
    private static boolean carriesContext(Headers headers) {
        return headers != null && GETTER.get(headers, TRACEPARENT) != null;
    }

    @Override
    public void event(String name, String key, String value) {
        Span span = Span.current();
        if (span.getSpanContext().isValid()) {
            span.addEvent(name, Attributes.of(AttributeKey.stringKey(key), value));
        }
    }

    @Override
    public ConsumerTracing consumer(ClassLoader beanLoader, String destination, String consumerGroup) {
        return new Consumer(beanLoader, destination, consumerGroup);
    }

    /**
     * @return the application's OpenTelemetry: the CDI bean the server produces for it (WildFly's
     *         {@code opentelemetry} subsystem, Payara's MicroProfile Telemetry), looked up with the
     *         bean's class loader as the context class loader; or {@code null}. Never
     *         {@code GlobalOpenTelemetry.get()}: unset, it would install a no-op instance for the
     *         whole server.
     */
    static OpenTelemetry openTelemetry(ClassLoader beanLoader) {
        Thread t = Thread.currentThread();
        ClassLoader previous = t.getContextClassLoader();
        try {
            if (beanLoader != null) {
                t.setContextClassLoader(beanLoader);
            }
            return Cdi.lookup();
        } finally {
            t.setContextClassLoader(previous);
        }
    }

    /** The CDI lookup, in its own class: CDI may be absent outside a server. */
    private static final class Cdi {
        static OpenTelemetry lookup() {
            try {
                jakarta.enterprise.inject.Instance<OpenTelemetry> i = jakarta.enterprise.inject.spi.CDI.current()
                        .select(OpenTelemetry.class);
                return i.isResolvable() ? i.get() : null;
            } catch (RuntimeException | LinkageError e) {
                LOG.log(Level.DEBUG, "NATS resource adapter: no OpenTelemetry from CDI ({0})", e.toString());
                return null;
            }
        }
    }

    /**
     * One activation's consumer spans. Its tracer is looked up once, at the first delivery (the
     * application's CDI container is up by then); when there is none, deliveries run without spans.
     */
    private static final class Consumer implements ConsumerTracing {
        private final ClassLoader beanLoader;
        private final String destination;
        private final String consumerGroup;
        private volatile Optional<Tracer> tracer;

        Consumer(ClassLoader beanLoader, String destination, String consumerGroup) {
            this.beanLoader = beanLoader;
            this.destination = destination;
            this.consumerGroup = consumerGroup;
        }

        private Optional<Tracer> tracer() {
            Optional<Tracer> t = tracer;
            if (t == null) {
                OpenTelemetry otel = openTelemetry(beanLoader);
                t = Optional.ofNullable(otel == null ? null : otel.getTracer(INSTRUMENTATION));
                LOG.log(Level.INFO, "NATS endpoint on {0}: {1}", destination, otel == null
                        ? "the server provides no OpenTelemetry to the bean; deliveries run without consumer spans "
                        + "(trace headers pass through)" : "deliveries run in OpenTelemetry consumer spans");
                tracer = t;
            }
            return t;
        }

        @Override
        public DeliverySpan start(Message message) {
            Optional<Tracer> t = tracer();
            if (t.isEmpty()) {
                return DeliverySpan.NONE;
            }
            return start(t.get(), message);
        }

        private DeliverySpan start(Tracer tracer, Message message) {
            Headers headers = message.getHeaders();
            Context parent = headers == null ? Context.root()
                    : W3CTraceContextPropagator.getInstance().extract(Context.root(), headers, GETTER);
            String subject = message.getSubject();
            var builder = tracer.spanBuilder("process " + subject).setSpanKind(SpanKind.CONSUMER).setParent(parent)
                    .setAttribute(SYSTEM, "nats").setAttribute(DESTINATION, subject)
                    .setAttribute(SUBSCRIPTION, destination)
                    .setAttribute(OPERATION_TYPE, "process").setAttribute(OPERATION_NAME, "process")
                    .setAttribute(BODY_SIZE, (long) (message.getData() == null ? 0 : message.getData().length));
            if (consumerGroup != null) {
                builder.setAttribute(GROUP, consumerGroup);
            }
            String id = headers == null ? null : headers.getFirst("Nats-Msg-Id");
            if (id != null) {
                builder.setAttribute(MESSAGE_ID, id);
            }
            if (message.isJetStream()) {
                builder.setAttribute(DELIVERY_COUNT, message.metaData().deliveredCount());
                builder.setAttribute(STREAM_SEQUENCE, message.metaData().streamSequence());
            }
            Span span = builder.startSpan();
            Scope scope = span.makeCurrent();
            return new DeliverySpan() {
                @Override
                public void failed(Throwable failure) {
                    span.setStatus(StatusCode.ERROR, String.valueOf(failure.getMessage()));
                    span.recordException(failure);
                }

                @Override
                public void close() {
                    try {
                        scope.close();
                    } finally {
                        span.end();
                    }
                }
            };
        }
    }
}
