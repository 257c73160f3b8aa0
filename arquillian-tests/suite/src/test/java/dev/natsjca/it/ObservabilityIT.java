package dev.natsjca.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.spec.EnterpriseArchive;
import org.jboss.shrinkwrap.api.spec.JavaArchive;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.natsjca.it.obs.ObsBean;
import dev.natsjca.it.obs.ObsServlet;
import dev.natsjca.it.obs.ObservedListener;
import dev.natsjca.it.obs.TracedListener;
import dev.natsjca.testing.Await;
import dev.natsjca.testing.NatsServer;
import dev.natsjca.testing.NatsServerExtension;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.Nats;

/**
 * What operators see, read where they read it: the activation's MBean on the server's platform
 * MBean server counts exactly what happened; and, with OpenTelemetry switched on (see
 * the build), on both servers a traced call that publishes and the delivery it causes are one trace at
 * a real OTLP receiver.
 */
@ExtendWith({NatsServerExtension.class, ArquillianExtension.class})
class ObservabilityIT {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private static final String APP = "obsapp";

    @Deployment(testable = false)
    static EnterpriseArchive obsApp() {
        JavaArchive ejb = ShrinkWrap.create(JavaArchive.class, "obs-ejb.jar")
                .addClasses(ObservedListener.class, TracedListener.class, ObsBean.class);
        WebArchive web = ShrinkWrap.create(WebArchive.class, "obs-web.war").addClass(ObsServlet.class);
        return TestEar.ear(APP, ejb, List.of(new TestEar.Bean("ObservedListener", true, false),
                new TestEar.Bean("TracedListener", true, false), new TestEar.Bean("ObsBean", false, true)),
                web, Map.of());
    }

    private static String call(String query) throws Exception {
        URI uri = URI.create(System.getProperty("http.base") + "/" + APP + "/obs?" + query);
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), query + ": " + r.body());
        return r.body();
    }

    private static String activation(String attr) throws Exception {
        return call("op=jmx&type=Activation&name=ObservedListener&attr=" + attr);
    }

    @Test
    void theActivationsMBeanCountsExactlyWhatHappened(NatsServer nats) throws Exception {
        Await.until(WAIT, "ObservedListener consuming", () -> {
            try {
                return activation("State").equals("CONSUMING");
            } catch (Exception e) {
                return false;
            }
        });
        try (Connection c = Nats.connect(nats.url())) {
            JetStream js = c.jetStream();
            for (int i = 0; i < 5; i++) {
                js.publish("obs.in", ("good " + i).getBytes(StandardCharsets.UTF_8));
            }
            js.publish("obs.in", "bad".getBytes(StandardCharsets.UTF_8));
        }
        Await.until(WAIT, () -> "5 succeeded, the bad one terminated after 2 attempts", () -> {
            try {
                return activation("Succeeded").equals("5") && activation("Terminated").equals("1");
            } catch (Exception e) {
                return false;
            }
        });
        assertEquals("7", activation("Delivered"));
        assertEquals("2", activation("Failed"));
        assertEquals("1", activation("Redelivered"));
        assertEquals("0", activation("DeadLettered"));
        assertEquals("0", activation("InFlight"));
        assertEquals("7", activation("ProcessingCount"));
        assertEquals("true", activation("Ready"));
        assertEquals("true", call("op=ready"), "the application reads the same through its factory");
        assertEquals("true", call("op=jmx&type=Activation&name=TracedListener&attr=Ready"));
    }

    @Test
    void aTracedCallAndTheDeliveryItCausesAreOneTraceAtARealReceiver() throws Exception {
        try (OtlpReceiver receiver = new OtlpReceiver(Integer.getInteger("otlp.test.port"))) {
            String[] call = call("op=traced").split("/");
            String traceId = call[0];
            String spanId = call[1];
            Await.until(WAIT, () -> "both spans at the receiver: " + receiver.spans(), () ->
                    receiver.spans().stream().anyMatch(s -> s.spanId().equals(spanId))
                            && receiver.spans().stream().anyMatch(s -> s.traceId().equals(traceId)
                            && s.kind() == OtlpReceiver.ExportedSpan.KIND_CONSUMER));
            OtlpReceiver.ExportedSpan consumer = receiver.spans().stream()
                    .filter(s -> s.traceId().equals(traceId) && s.kind() == OtlpReceiver.ExportedSpan.KIND_CONSUMER)
                    .findFirst().orElseThrow();
            assertEquals(spanId, consumer.parentSpanId(), "the consumer span continues the publishing span");
            assertEquals("process obs.traced", consumer.name());
            assertTrue(consumer.attributeKeys().containsAll(List.of("messaging.system", "messaging.destination.name",
                    "messaging.operation.type", "messaging.message.body.size")), consumer.attributeKeys().toString());
        }
    }
}
