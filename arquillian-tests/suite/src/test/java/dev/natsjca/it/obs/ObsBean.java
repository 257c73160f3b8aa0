package dev.natsjca.it.obs;

import java.nio.charset.StandardCharsets;

import dev.natsjca.api.NatsConnection;
import dev.natsjca.api.NatsConnectionFactory;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import jakarta.annotation.Resource;
import jakarta.ejb.Stateless;
import jakarta.enterprise.inject.spi.CDI;

/** A traced call: publishes inside a span of its own, with the server's OpenTelemetry. */
@Stateless
public class ObsBean {

    @Resource(name = "nats/ConnectionFactory")
    private NatsConnectionFactory nats;

    /** @return the call span's trace id and span id, "traceId/spanId" */
    public String tracedPublish(String subject, String body) {
        OpenTelemetry otel = CDI.current().select(OpenTelemetry.class).get();
        Span span = otel.getTracer("obsapp").spanBuilder("traced call").startSpan();
        try (Scope ignored = span.makeCurrent(); NatsConnection c = nats.getConnection()) {
            c.publish(subject, body.getBytes(StandardCharsets.UTF_8));
        } finally {
            span.end();
        }
        return span.getSpanContext().getTraceId() + "/" + span.getSpanContext().getSpanId();
    }

    /** @return the adapter's readiness as the application reads it: "true" or "false" */
    public String ready() {
        return Boolean.toString(nats.status().ready());
    }
}
