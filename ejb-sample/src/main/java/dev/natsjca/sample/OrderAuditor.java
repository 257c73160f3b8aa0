package dev.natsjca.sample;

import java.lang.System.Logger.Level;

import dev.natsjca.api.NatsConnection;
import dev.natsjca.api.NatsConnectionFactory;
import dev.natsjca.api.NatsMessage;
import dev.natsjca.api.NatsMessageListener;
import dev.natsjca.sample.orders.OrderAudited;
import dev.natsjca.sample.orders.OrderPlaced;
import io.nats.client.PublishOptions;
import jakarta.annotation.Resource;
import jakarta.ejb.ActivationConfigProperty;
import jakarta.ejb.EJB;
import jakarta.ejb.MessageDriven;

/**
 * Audits every order placed: consumes {@code OrderPlaced} from stream {@value SampleSubjects#ORDERS_STREAM}
 * (durable {@value SampleSubjects#ORDER_AUDITOR}, created with the stream if absent, with
 * {@code sample.replicas} replicas, default 1) and publishes,
 * in the same container-managed transaction, an {@code OrderAudited} to
 * {@value SampleSubjects#ORDERS_AUDITED} with {@code Nats-Msg-Id: audit-<order_id>}: the commit
 * stores the audit and acks the order together; a rollback does neither. An order from customer
 * {@code poison} always fails: after {@code maxDeliver} 3 attempts it is moved to
 * {@value SampleSubjects#ORDERS_DLQ}, in the same stream, with its original bytes.
 */
@MessageDriven(messageListenerInterface = NatsMessageListener.class, activationConfig = {
        @ActivationConfigProperty(propertyName = "subject", propertyValue = SampleSubjects.ORDERS_PLACED),
        @ActivationConfigProperty(propertyName = "stream", propertyValue = SampleSubjects.ORDERS_STREAM),
        @ActivationConfigProperty(propertyName = "durable", propertyValue = SampleSubjects.ORDER_AUDITOR),
        @ActivationConfigProperty(propertyName = "streamDeclaration", propertyValue = "ensure"),
        @ActivationConfigProperty(propertyName = "streamSubjects", propertyValue = "orders.>"),
        @ActivationConfigProperty(propertyName = "streamAllowAtomicPublish", propertyValue = "whenSupported"),
        // 3 on a three-node cluster (SAMPLE_REPLICAS=3): the orders survive the loss of a node.
        @ActivationConfigProperty(propertyName = "streamReplicas", propertyValue = "${sample.replicas:1}"),
        @ActivationConfigProperty(propertyName = "maxDeliver", propertyValue = "3"),
        @ActivationConfigProperty(propertyName = "backoff", propertyValue = "500,1000"),
        @ActivationConfigProperty(propertyName = "deadLetterSubject", propertyValue = SampleSubjects.ORDERS_DLQ),
        @ActivationConfigProperty(propertyName = "maxConcurrency", propertyValue = "2"),
        @ActivationConfigProperty(propertyName = "connectionName", propertyValue = "sample order auditor") })
public class OrderAuditor implements NatsMessageListener {

    private static final System.Logger LOG = System.getLogger(OrderAuditor.class.getName());

    @Resource(name = SampleSubjects.CONNECTION_FACTORY)
    private NatsConnectionFactory nats;

    @EJB
    private AuditCounter counter;

    @Override
    public void onMessage(NatsMessage message) {
        OrderPlaced order = message.payload(OrderPlaced.class);
        if (SampleSubjects.POISON_CUSTOMER.equals(order.getCustomer())) {
            throw new IllegalArgumentException("Order " + order.getOrderId() + " from customer '"
                    + order.getCustomer() + "' cannot be audited (attempt " + message.deliveryCount() + ")");
        }
        OrderAudited audit = OrderAudited.newBuilder()
                .setOrderId(order.getOrderId())
                .setAmountCents(order.getAmountCents())
                .setAuditedBy(Node.NAME)
                .setPlacedSequence(message.streamSequence())
                .build();
        try (NatsConnection connection = nats.getConnection()) {
            // Staged: stored at commit, when the order is acked; the id makes a redelivery's audit a duplicate.
            connection.jetStreamPublish(SampleSubjects.ORDERS_AUDITED, null, audit,
                    PublishOptions.builder().messageId("audit-" + order.getOrderId()).build());
        }
        counter.countAtCommit();
        LOG.log(Level.INFO, "Audited order {0} of {1} ({2} cents), stream sequence {3}", order.getOrderId(),
                order.getCustomer(), order.getAmountCents(), message.streamSequence());
    }
}
