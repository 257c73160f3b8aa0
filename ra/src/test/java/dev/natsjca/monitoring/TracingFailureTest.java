package dev.natsjca.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.natsjca.inbound.NatsActivationSpec;
import dev.natsjca.testing.Await;
import dev.natsjca.testing.NatsServerExtension;
import dev.natsjca.testing.Specs;
import dev.natsjca.testing.StartedAdapter;
import dev.natsjca.testing.TestCdi;
import dev.natsjca.testing.TestEndpointFactory;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.api.StreamConfiguration;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;

/**
 * Tracing never holds a message up: with an application's span processor that throws at every
 * span start, every message is still delivered and acknowledged at once (not after ackWait), and
 * the pull keeps going. Without the OpenTelemetry API at all, the adapter traces nothing.
 */
class TracingFailureTest {

    @RegisterExtension
    static final NatsServerExtension NATS = NatsServerExtension.onFreePort();

    private static OpenTelemetrySdk sdk;

    @BeforeAll
    static void brokenOpenTelemetry() {
        SpanProcessor throwing = new SpanProcessor() {
            @Override
            public void onStart(Context parentContext, ReadWriteSpan span) {
                throw new IllegalStateException("test: a span processor that throws");
            }

            @Override
            public boolean isStartRequired() {
                return true;
            }

            @Override
            public void onEnd(ReadableSpan span) {
            }

            @Override
            public boolean isEndRequired() {
                return false;
            }
        };
        sdk = OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(throwing)
                .build()).build();
        TestCdi.install(OpenTelemetry.class, sdk, TestEndpointFactory.class.getClassLoader());
    }

    @AfterAll
    static void noOpenTelemetry() {
        TestCdi.uninstall();
        sdk.close();
    }

    @Test
    void aSpanProcessorThatThrowsHoldsNoMessageUp() throws Exception {
        try (StartedAdapter started = new StartedAdapter(NATS.server().url(), 4);
             Connection client = Nats.connect(NATS.server().url())) {
            client.jetStreamManagement().addStream(StreamConfiguration.builder().name("TFAIL").subjects("tfail.>")
                    .build());
            TestEndpointFactory endpoint = new TestEndpointFactory("tfail");
            NatsActivationSpec spec = Specs.of("tfail.x", "TFAIL", "tfail-worker");
            spec.setMaxConcurrency("1");
            spec.setAckWait("60000"); // a stranded message would come back only after a minute
            started.adapter().endpointActivation(endpoint, spec);
            for (int i = 0; i < 60; i++) { // more than the pull's capacity
                client.jetStream().publish("tfail.x", ("m" + i).getBytes(StandardCharsets.UTF_8));
            }
            Await.until(Duration.ofSeconds(30), () -> "60 delivered, got " + endpoint.received().size(),
                    () -> endpoint.received().size() == 60);
            Await.untilServer(Duration.ofSeconds(30), "all acknowledged", () -> client.jetStreamManagement()
                    .getConsumerInfo("TFAIL", "tfail-worker").getAckFloor().getStreamSequence() == 60);
        }
    }

    @Test
    void withoutTheOpenTelemetryApiNothingIsTraced() throws Exception {
        // The adapter's classes and jnats, but not io.opentelemetry: as in a server without it.
        URL adapter = Path.of("target/classes").toUri().toURL();
        URL jnats = io.nats.client.Nats.class.getProtectionDomain().getCodeSource().getLocation();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {adapter, jnats},
                ClassLoader.getPlatformClassLoader())) {
            Class<?> tracing = loader.loadClass(Tracing.class.getName());
            Method detect = tracing.getDeclaredMethod("detect");
            detect.setAccessible(true);
            Field none = tracing.getField("NONE");
            assertSame(none.get(null), detect.invoke(null));
        }
        assertEquals(OpenTelemetryTracing.class, Tracing.detect().getClass(), "with the API visible: traced");
    }
}
