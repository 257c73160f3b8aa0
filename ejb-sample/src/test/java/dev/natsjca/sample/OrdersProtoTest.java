package dev.natsjca.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

import dev.natsjca.api.NatsHeaders;
import dev.natsjca.api.NatsPayloadException;
import dev.natsjca.payload.Protobuf;
import dev.natsjca.sample.orders.OrderAudited;
import dev.natsjca.sample.orders.OrderPlaced;
import io.nats.client.impl.Headers;

/** The sample's protobuf events as other clients see them: type names and a round trip. */
class OrdersProtoTest {

    @Test
    void orderPlacedTravelsWithItsContractTypeName() {
        OrderPlaced order = OrderPlaced.newBuilder().setOrderId("o-1").setCustomer("ada").setAmountCents(1250).build();
        Headers headers = Protobuf.headersFor(null, order);
        assertEquals("sample.orders.OrderPlaced", headers.getFirst(NatsHeaders.PROTOBUF_TYPE));
        assertEquals(order, Protobuf.parse("orders.placed", headers, order.toByteArray(), OrderPlaced.class));
    }

    @Test
    void anAuditIsNotAnOrder() {
        OrderAudited audit = OrderAudited.newBuilder().setOrderId("o-1").setPlacedSequence(7).build();
        assertThrows(NatsPayloadException.class, () -> Protobuf.parse("orders.audited",
                Protobuf.headersFor(null, audit), audit.toByteArray(), OrderPlaced.class));
    }
}
