package dev.natsjca.bench.server;

import jakarta.ejb.Stateless;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;
import jakarta.inject.Inject;
import jakarta.jms.DeliveryMode;
import jakarta.jms.JMSContext;
import jakarta.jms.JMSProducer;
import jakarta.jms.Queue;

/**
 * Sends a batch of JMS messages in one JTA transaction through the server's default, pooled XA
 * factory (WildFly: {@code java:/JmsXA} on Artemis; Payara: OpenMQ's {@code jms/__defaultConnectionFactory}), so
 * a persistent batch costs one journal sync instead of one per message: the JMS side's producer
 * must not be what limits the comparison (the NATS side publishes asynchronously).
 */
@Stateless
public class JmsLoad {

    @Inject
    private JMSContext jms;

    /** @return the send stamp of the batch's first message */
    @TransactionAttribute(TransactionAttributeType.REQUIRED)
    public long sendBatch(Queue queue, int count, byte[] data, boolean persistent, int rate, int offset, long start) {
        JMSProducer producer = jms.createProducer()
                .setDeliveryMode(persistent ? DeliveryMode.PERSISTENT : DeliveryMode.NON_PERSISTENT);
        long first = 0;
        for (int i = 0; i < count; i++) {
            Control.pace(offset + i, rate, start);
            long now = Stats.now();
            if (i == 0) {
                first = now;
            }
            producer.setProperty("BenchSent", now).send(queue, data);
        }
        return first;
    }
}
