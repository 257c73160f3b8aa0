package dev.natsjca.inbound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.google.protobuf.Int64Value;
import com.google.protobuf.StringValue;
import com.google.protobuf.Timestamp;

import dev.natsjca.api.NatsConnection;
import dev.natsjca.api.NatsConnectionFactory;
import dev.natsjca.api.NatsHeaders;
import dev.natsjca.api.NatsMessage;
import dev.natsjca.api.NatsPayloadException;
import dev.natsjca.outbound.NatsManagedConnectionFactory;
import dev.natsjca.testing.Await;
import dev.natsjca.testing.NatsServerExtension;
import dev.natsjca.testing.StartedAdapter;
import dev.natsjca.testing.TestEndpointFactory;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage.Builder;

/** Protobuf payloads: published through a handle, delivered to an endpoint, parsed back. */
class ProtobufPayloadTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @RegisterExtension
    static final NatsServerExtension NATS = NatsServerExtension.onFreePort();

    @Test
    void roundTripThroughNats() throws Exception {
        List<NatsMessage> seen = new CopyOnWriteArrayList<>();
        List<Timestamp> parsed = new CopyOnWriteArrayList<>();
        try (StartedAdapter started = new StartedAdapter(NATS.server().url(), 2)) {
            TestEndpointFactory endpoint = new TestEndpointFactory("proto", m -> {
                seen.add(m);
                parsed.add(m.payload(Timestamp.class));
            });
            NatsActivationSpec spec = new NatsActivationSpec();
            spec.setSubject("proto.ts");
            started.adapter().endpointActivation(endpoint, spec);
            Await.until(WAIT, "subscribed", () -> NATS.server().subscriptionCount("proto.ts") == 1);

            NatsManagedConnectionFactory mcf = new NatsManagedConnectionFactory();
            mcf.setResourceAdapter(started.adapter());
            Timestamp sent = Timestamp.newBuilder().setSeconds(1_700_000_000L).setNanos(42).build();
            try (NatsConnection c = ((NatsConnectionFactory) mcf.createConnectionFactory()).getConnection()) {
                c.publish("proto.ts", new Headers().put("Trace-Id", "t-1"), sent);
            }
            Await.until(WAIT, "delivered", () -> parsed.size() == 1);
            assertEquals(sent, parsed.get(0));
            Headers h = seen.get(0).headers();
            assertEquals("google.protobuf.Timestamp", h.getFirst(NatsHeaders.PROTOBUF_TYPE));
            assertEquals("application/protobuf", h.getFirst(NatsHeaders.CONTENT_TYPE));
            assertEquals("t-1", h.getFirst("Trace-Id"), "application headers kept");
        }
    }

    @Test
    void jetStreamPublishOfAProtobufMessageCarriesTheTypeHeaders() throws Exception {
        try (StartedAdapter started = new StartedAdapter(NATS.server().url(), 2);
             io.nats.client.Connection client = io.nats.client.Nats.connect(NATS.server().url())) {
            client.jetStreamManagement().addStream(io.nats.client.api.StreamConfiguration.builder()
                    .name("PROTO").subjects("proto.js").build());
            NatsManagedConnectionFactory mcf = new NatsManagedConnectionFactory();
            mcf.setResourceAdapter(started.adapter());
            Timestamp sent = Timestamp.newBuilder().setSeconds(7).build();
            long seq;
            try (NatsConnection c = ((NatsConnectionFactory) mcf.createConnectionFactory()).getConnection()) {
                seq = c.jetStreamPublish("proto.js", new Headers().put("Trace-Id", "t-2"), sent,
                        io.nats.client.PublishOptions.builder().messageId("ts-7").build())
                        .toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS).getSeqno();
            }
            io.nats.client.api.MessageInfo stored = client.jetStreamManagement().getMessage("PROTO", seq);
            assertEquals(sent, Timestamp.parseFrom(stored.getData()));
            assertEquals("google.protobuf.Timestamp", stored.getHeaders().getFirst(NatsHeaders.PROTOBUF_TYPE));
            assertEquals("application/protobuf", stored.getHeaders().getFirst(NatsHeaders.CONTENT_TYPE));
            assertEquals("t-2", stored.getHeaders().getFirst("Trace-Id"));
            assertEquals("ts-7", stored.getHeaders().getFirst("Nats-Msg-Id"));
        }
    }

    @Test
    void typeMismatchNamesBothTypesAndTheSubject() {
        DeliveredMessage m = message("orders.placed",
                new Headers().put(NatsHeaders.PROTOBUF_TYPE, "google.protobuf.StringValue"),
                StringValue.of("x").toByteArray());
        NatsPayloadException e = assertThrows(NatsPayloadException.class, () -> m.payload(Int64Value.class));
        assertTrue(e.getMessage().contains("'orders.placed'") && e.getMessage().contains("google.protobuf.StringValue")
                && e.getMessage().contains("google.protobuf.Int64Value"), e.getMessage());
    }

    @Test
    void malformedBytesAreReportedClearly() {
        DeliveredMessage m = message("orders.placed",
                new Headers().put(NatsHeaders.PROTOBUF_TYPE, "google.protobuf.Timestamp"),
                new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff});
        NatsPayloadException e = assertThrows(NatsPayloadException.class, () -> m.payload(Timestamp.class));
        assertTrue(e.getMessage().contains("not a valid 'google.protobuf.Timestamp'")
                && e.getMessage().contains("'orders.placed'"), e.getMessage());
    }

    @Test
    void withoutTypeHeaderThePayloadIsParsedAsAsked() {
        DeliveredMessage m = message("legacy", null, StringValue.of("from another client").toByteArray());
        assertEquals("from another client", m.payload(StringValue.class).getValue());
    }

    private static DeliveredMessage message(String subject, Headers headers, byte[] data) {
        Builder b = io.nats.client.impl.NatsMessage.builder().subject(subject).data(data);
        if (headers != null) {
            b.headers(headers);
        }
        return new DeliveredMessage(b.build());
    }
}
