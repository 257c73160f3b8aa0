package dev.natsjca.bench.server;

import dev.natsjca.api.NatsMessage;
import dev.natsjca.api.NatsMessageListener;
import jakarta.ejb.ActivationConfigProperty;
import jakarta.ejb.MessageDriven;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;

/** Benchmark receiver 'js': records each message's latency from its send stamp. */
@MessageDriven(messageListenerInterface = NatsMessageListener.class, activationConfig = {
        @ActivationConfigProperty(propertyName = "subject", propertyValue = "bench.srv.js"),
        @ActivationConfigProperty(propertyName = "stream", propertyValue = "BENCH_SRV"),
        @ActivationConfigProperty(propertyName = "durable", propertyValue = "js"),
        @ActivationConfigProperty(propertyName = "batchSize", propertyValue = "100"),
        @ActivationConfigProperty(propertyName = "maxConcurrency", propertyValue = "4") })
@TransactionAttribute(TransactionAttributeType.NOT_SUPPORTED)
public class JsMdb implements NatsMessageListener {

    @Override
    public void onMessage(NatsMessage message) {
        Stats.arrived("js", Long.parseLong(message.headers().getFirst("Bench-Sent")));
    }
}
