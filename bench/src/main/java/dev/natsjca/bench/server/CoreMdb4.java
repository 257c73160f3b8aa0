package dev.natsjca.bench.server;

import dev.natsjca.api.NatsMessage;
import dev.natsjca.api.NatsMessageListener;
import jakarta.ejb.ActivationConfigProperty;
import jakarta.ejb.MessageDriven;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;

/** Benchmark receiver 'core4': records each message's latency from its send stamp. */
@MessageDriven(messageListenerInterface = NatsMessageListener.class, activationConfig = {
        @ActivationConfigProperty(propertyName = "subject", propertyValue = "bench.srv.core4"),
        @ActivationConfigProperty(propertyName = "maxPending", propertyValue = "1000000"),
        @ActivationConfigProperty(propertyName = "maxConcurrency", propertyValue = "4") })
@TransactionAttribute(TransactionAttributeType.NOT_SUPPORTED)
public class CoreMdb4 implements NatsMessageListener {

    @Override
    public void onMessage(NatsMessage message) {
        Stats.arrived("core4", Long.parseLong(message.headers().getFirst("Bench-Sent")));
    }
}
