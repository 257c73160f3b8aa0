package dev.natsjca.bench;

import java.io.IOException;
import java.io.InputStream;
import java.util.Collection;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;

/**
 * OpenTelemetry as an application server offers it, for the "tracing on" side of scenario 6: an
 * SDK (a {@link BatchSpanProcessor} with its defaults, an exporter that counts spans and discards
 * them, the W3C propagator) that CDI resolves for the beans of one application class loader
 * ({@link #tracedBean()}'s) and for no other, so activations with and without tracing run side by
 * side in one JVM.
 */
final class BenchTelemetry implements AutoCloseable {

    /** A valid, sampled W3C trace context, the one upstream publisher's every message carries. */
    static final String TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    private final AtomicLong exported = new AtomicLong();
    private final OpenTelemetrySdk sdk;
    private final Tracer tracer;
    private final Class<?> tracedBean;

    private BenchTelemetry() throws IOException {
        SpanExporter discard = new SpanExporter() {
            @Override
            public CompletableResultCode export(Collection<SpanData> spans) {
                exported.addAndGet(spans.size());
                return CompletableResultCode.ofSuccess();
            }

            @Override
            public CompletableResultCode flush() {
                return CompletableResultCode.ofSuccess();
            }

            @Override
            public CompletableResultCode shutdown() {
                return CompletableResultCode.ofSuccess();
            }
        };
        sdk = OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(BatchSpanProcessor.builder(discard)
                        .build()).build())
                .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
                .build();
        tracer = sdk.getTracer("dev.natsjca.bench");
        tracedBean = new ApplicationLoader().define(TracedBean.class);
    }

    /** Builds the SDK and installs the CDI container that offers it to {@link #tracedBean()}'s loader. */
    static BenchTelemetry install() throws IOException {
        BenchTelemetry t = new BenchTelemetry();
        dev.natsjca.testing.TestCdi.install(OpenTelemetry.class, t.sdk, t.tracedBean.getClassLoader());
        return t;
    }

    /** @return the endpoint class of an application whose beans CDI gives OpenTelemetry */
    Class<?> tracedBean() {
        return tracedBean;
    }

    /** @return spans the exporter was given so far (the batch processor drops what its queue cannot hold) */
    long exported() {
        sdk.getSdkTracerProvider().forceFlush().join(10, TimeUnit.SECONDS);
        return exported.get();
    }

    /** Runs {@code work} with a current (sampled) span on the calling thread, as traced application code does. */
    <T> T inSpan(Callable<T> work) throws Exception {
        Span span = tracer.spanBuilder("bench publish").startSpan();
        try (Scope ignored = span.makeCurrent()) {
            return work.call();
        } finally {
            span.end();
        }
    }

    @Override
    public void close() {
        sdk.getSdkTracerProvider().shutdown().join(10, TimeUnit.SECONDS);
    }

    /** An application's class loader: defines its own copy of a class, delegates the rest to the benchmark's. */
    private static final class ApplicationLoader extends ClassLoader {
        ApplicationLoader() {
            super("bench-traced-application", BenchTelemetry.class.getClassLoader());
        }

        Class<?> define(Class<?> c) throws IOException {
            String resource = c.getName().replace('.', '/') + ".class";
            try (InputStream in = c.getClassLoader().getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IOException("no " + resource);
                }
                byte[] bytes = in.readAllBytes();
                return defineClass(c.getName(), bytes, 0, bytes.length);
            }
        }
    }
}
