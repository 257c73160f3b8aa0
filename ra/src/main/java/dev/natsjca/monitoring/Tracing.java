package dev.natsjca.monitoring;

import java.lang.System.Logger.Level;

import io.nats.client.Message;
import io.nats.client.impl.Headers;

/**
 * W3C trace context across NATS. When the application server provides OpenTelemetry (WildFly's
 * {@code opentelemetry} subsystem, Payara's MicroProfile Telemetry), published messages carry the
 * {@code traceparent}/{@code tracestate} of the publishing code and each delivery runs in a
 * consumer span that continues it ({@link OpenTelemetryTracing}). Without it, {@link #NONE}:
 * headers pass through untouched, at no cost.
 */
public abstract class Tracing {

    private static final System.Logger LOG = System.getLogger(Tracing.class.getName());

    /** No OpenTelemetry: nothing added, nothing recorded. */
    public static final Tracing NONE = new Tracing() {
        @Override
        public Headers withContext(Headers headers) {
            return headers;
        }

        @Override
        public void injectInto(Headers headers) {
        }

        @Override
        public ConsumerTracing consumer(ClassLoader beanLoader, String destination, String consumerGroup) {
            return ConsumerTracing.NONE;
        }

        @Override
        public void event(String name, String key, String value) {
        }
    };

    /** @return OpenTelemetry tracing when its API is visible to the adapter, else {@link #NONE} */
    static Tracing detect() {
        try {
            Class.forName("io.opentelemetry.api.trace.Span", false, Tracing.class.getClassLoader());
            Class.forName("io.opentelemetry.context.Context", false, Tracing.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            LOG.log(Level.DEBUG, "NATS resource adapter: no OpenTelemetry API visible; no trace context");
            return NONE;
        }
        return new OpenTelemetryTracing();
    }

    /**
     * @param headers a message's headers, or {@code null}; never changed
     * @return {@code headers}, or a copy with the calling thread's trace context added when it has
     *         one and the headers carry none yet
     */
    public abstract Headers withContext(Headers headers);

    /** Adds the calling thread's trace context to headers the caller owns, unless they carry one. */
    public abstract void injectInto(Headers headers);

    /**
     * @param beanLoader the message-driven bean's class loader: the application's OpenTelemetry is
     *        found through it
     * @param destination the activation's subjects, for spans
     * @param consumerGroup the queue group or durable, or {@code null}
     * @return what starts the consumer spans of one activation
     */
    public abstract ConsumerTracing consumer(ClassLoader beanLoader, String destination, String consumerGroup);

    /** Records an event (a nak, a dead letter) on the calling thread's current span, if any. */
    public abstract void event(String name, String key, String value);

    /** Starts consumer spans for one activation. */
    public interface ConsumerTracing {
        ConsumerTracing NONE = message -> DeliverySpan.NONE;

        /** @return the span of one delivery; {@link DeliverySpan#close()} ends it */
        DeliverySpan start(Message message);
    }

    /** The span one delivery runs in: current on the delivering thread until {@link #close()}. */
    public interface DeliverySpan extends AutoCloseable {
        DeliverySpan NONE = new DeliverySpan() {
            @Override
            public void failed(Throwable failure) {
            }

            @Override
            public void close() {
            }
        };

        /** The delivery failed (threw or rolled back). */
        void failed(Throwable failure);

        /** Ends the span and restores the thread's previous context. */
        @Override
        void close();
    }
}
