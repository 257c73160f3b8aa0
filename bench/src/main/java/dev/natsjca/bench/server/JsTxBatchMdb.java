package dev.natsjca.bench.server;

import java.util.List;

import dev.natsjca.api.NatsBatchListener;
import dev.natsjca.api.NatsMessage;
import jakarta.ejb.ActivationConfigProperty;
import jakarta.ejb.MessageDriven;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;

/** Benchmark receiver 'jstxbatch': a transacted JetStream batch MDB (one transaction per batch). */
@MessageDriven(messageListenerInterface = NatsBatchListener.class, activationConfig = {
        @ActivationConfigProperty(propertyName = "subject", propertyValue = "bench.srv.jstxbatch"),
        @ActivationConfigProperty(propertyName = "stream", propertyValue = "BENCH_SRV"),
        @ActivationConfigProperty(propertyName = "durable", propertyValue = "jstxbatch"),
        @ActivationConfigProperty(propertyName = "maxBatchSize", propertyValue = "100"),
        @ActivationConfigProperty(propertyName = "maxBatchWait", propertyValue = "5"),
        @ActivationConfigProperty(propertyName = "maxConcurrency", propertyValue = "4") })
@TransactionAttribute(TransactionAttributeType.REQUIRED)
public class JsTxBatchMdb implements NatsBatchListener {

    @Override
    public void onMessages(List<NatsMessage> messages) {
        for (NatsMessage m : messages) {
            Stats.arrived("jstxbatch", Long.parseLong(m.headers().getFirst("Bench-Sent")));
        }
    }
}
