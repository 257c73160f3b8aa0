package dev.natsjca.it.edge;

import java.nio.charset.StandardCharsets;

import dev.natsjca.api.NatsConnection;
import dev.natsjca.api.NatsConnectionFactory;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.ejb.Remove;
import jakarta.ejb.SessionContext;
import jakarta.ejb.Stateful;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;

/**
 * Keeps a connection handle obtained outside any transaction and uses it in a later call's
 * container-managed transaction, which then rolls back.
 */
@Stateful(passivationCapable = false)
public class HeldHandleBean {

    @Resource(name = "nats/ConnectionFactory")
    private NatsConnectionFactory nats;

    @Resource
    private SessionContext context;

    private NatsConnection held;

    @TransactionAttribute(TransactionAttributeType.NOT_SUPPORTED)
    public void obtain() {
        close();
        held = nats.getConnection();
    }

    public void publishWithTheHeldHandleThenRollBack(String run) {
        try {
            held.publish("edge." + run, "held".getBytes(StandardCharsets.UTF_8));
            Outcomes.put(run, "ACCEPTED");
        } catch (RuntimeException e) {
            Outcomes.put(run, "REFUSED: " + e);
        }
        context.setRollbackOnly();
    }

    @Remove
    @TransactionAttribute(TransactionAttributeType.NOT_SUPPORTED)
    public void done() {
        close();
    }

    @PreDestroy
    void close() {
        if (held != null) {
            held.close();
            held = null;
        }
    }
}
