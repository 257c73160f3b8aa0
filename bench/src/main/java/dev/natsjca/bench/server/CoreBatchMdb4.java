package dev.natsjca.bench.server;

import java.util.List;

import dev.natsjca.api.NatsBatchListener;
import dev.natsjca.api.NatsMessage;
import jakarta.ejb.ActivationConfigProperty;
import jakarta.ejb.MessageDriven;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;

/** Benchmark receiver 'corebatch4': a core batch MDB, recording each message's latency from its send stamp. */
@MessageDriven(messageListenerInterface = NatsBatchListener.class, activationConfig = {
        @ActivationConfigProperty(propertyName = "subject", propertyValue = "bench.srv.corebatch4"),
        @ActivationConfigProperty(propertyName = "maxPending", propertyValue = "1000000"),
        @ActivationConfigProperty(propertyName = "maxBatchSize", propertyValue = "100"),
        @ActivationConfigProperty(propertyName = "maxBatchWait", propertyValue = "5"),
        @ActivationConfigProperty(propertyName = "maxConcurrency", propertyValue = "4") })
@TransactionAttribute(TransactionAttributeType.NOT_SUPPORTED)
public class CoreBatchMdb4 implements NatsBatchListener {

    @Override
    public void onMessages(List<NatsMessage> messages) {
        for (NatsMessage m : messages) {
            Stats.arrived("corebatch4", Long.parseLong(m.headers().getFirst("Bench-Sent")));
        }
    }
}
