package dev.natsjca.sample;

import java.util.UUID;

import dev.natsjca.api.NatsConnection;
import dev.natsjca.api.NatsConnectionFactory;
import dev.natsjca.sample.orders.OrderPlaced;
import io.nats.client.PublishOptions;
import jakarta.annotation.Resource;
import jakarta.ejb.Stateless;

/**
 * Places orders: publishes {@code OrderPlaced} to {@value SampleSubjects#ORDERS_PLACED} (stream
 * {@value SampleSubjects#ORDERS_STREAM}) with {@code Nats-Msg-Id: order-<order_id>}. Inside the
 * caller's transaction the order is stored when it commits, and not at all when it rolls back.
 */
@Stateless
public class OrderDesk {

    @Resource(name = SampleSubjects.CONNECTION_FACTORY)
    private NatsConnectionFactory nats;

    /**
     * @param customer who orders
     * @param amountCents the amount, in cents
     * @return the order as published, with its new id
     */
    public OrderPlaced place(String customer, long amountCents) {
        OrderPlaced order = OrderPlaced.newBuilder()
                .setOrderId(UUID.randomUUID().toString())
                .setCustomer(customer)
                .setAmountCents(amountCents)
                .build();
        try (NatsConnection connection = nats.getConnection()) {
            connection.jetStreamPublish(SampleSubjects.ORDERS_PLACED, null, order,
                    PublishOptions.builder().messageId("order-" + order.getOrderId()).build());
        }
        return order;
    }
}
