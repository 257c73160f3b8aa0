package dev.natsjca.it.tx;

import java.nio.charset.StandardCharsets;

import dev.natsjca.api.NatsConnection;
import dev.natsjca.api.NatsConnectionFactory;
import jakarta.annotation.Resource;
import jakarta.ejb.SessionContext;
import jakarta.ejb.Stateless;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;

/** Container-managed transactions (REQUIRED) that publish to NATS and write through JPA. */
@Stateless
public class TxBean {

    @Resource(name = "nats/ConnectionFactory")
    private NatsConnectionFactory nats;

    @PersistenceContext
    private EntityManager em;

    @Resource
    private SessionContext context;

    private void publish(String run, String body) {
        try (NatsConnection c = nats.getConnection()) {
            c.publish("tx.it." + run, body.getBytes(StandardCharsets.UTF_8));
        }
    }

    public void publishThree(String run) {
        publish(run, "1");
        publish(run, "2");
        publish(run, "3");
    }

    public void publishThreeThenThrow(String run) {
        publishThree(run);
        throw new IllegalStateException("application failure after publishing");
    }

    public void publishThreeThenSetRollbackOnly(String run) {
        publishThree(run);
        context.setRollbackOnly();
    }

    public void persistAndPublish(String run, boolean fail) {
        em.persist(new AuditRow(run + "-row", run, run + "-code"));
        publish(run, "row");
        if (fail) {
            throw new IllegalStateException("application failure after persist and publish");
        }
    }

    /** Two rows with the same unique code: the database refuses them when JPA flushes at commit. */
    public void violateConstraintAtFlushAndPublish(String run) {
        em.persist(new AuditRow(run + "-a", run, run + "-same"));
        em.persist(new AuditRow(run + "-b", run, run + "-same"));
        publish(run, "row");
    }

    @TransactionAttribute(TransactionAttributeType.NOT_SUPPORTED)
    public void publishSentinel(String run) {
        publish(run, "sentinel");
    }

    public long rows(String run) {
        return em.createQuery("select count(r) from AuditRow r where r.run = :run", Long.class)
                .setParameter("run", run).getSingleResult();
    }
}
