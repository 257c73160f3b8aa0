package dev.natsjca.it.edge;

import java.nio.charset.StandardCharsets;

import dev.natsjca.api.NatsConnection;
import dev.natsjca.api.NatsConnectionFactory;
import dev.natsjca.it.tx.AuditRow;
import io.nats.client.PublishOptions;
import jakarta.annotation.Resource;
import jakarta.ejb.Stateless;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;

/** Container-managed transactions (REQUIRED) that end in the ways users lose data. */
@Stateless
public class EdgeBean {

    @Resource(name = "nats/ConnectionFactory")
    private NatsConnectionFactory nats;

    @PersistenceContext
    private EntityManager em;

    @Resource
    private TransactionSynchronizationRegistry tsr;

    private void publish(String run, String body) {
        try (NatsConnection c = nats.getConnection()) {
            c.publish("edge." + run, body.getBytes(StandardCharsets.UTF_8));
        }
    }

    /**
     * Stores a row and stages a message, then waits during the commit (after the NATS branch has
     * ended, before it is prepared) until the test has stopped NATS and the pooled connection has
     * been destroyed.
     */
    public void persistPublishAndWaitAtCompletion(String run) {
        em.persist(new AuditRow(run + "-row", run, run + "-code"));
        publish(run, "row");
        tsr.registerInterposedSynchronization(new Synchronization() {
            @Override
            public void beforeCompletion() {
                Outcomes.put(run, "waiting");
                Outcomes.gate(run);
            }

            @Override
            public void afterCompletion(int status) {
                Outcomes.put(run, "completed " + status);
            }
        });
    }

    /**
     * A JetStream publish whose expected last subject sequence is wrong: the stream refuses it at
     * commit. After the commit, what its stage completed with is noted.
     */
    public void conditionalPublish(String run) {
        java.util.concurrent.CompletableFuture<io.nats.client.api.PublishAck> stage;
        try (NatsConnection c = nats.getConnection()) {
            stage = c.jetStreamPublish("edgejs." + run, null, "conditional".getBytes(StandardCharsets.UTF_8),
                    PublishOptions.builder().expectedLastSubjectSequence(7).build()).toCompletableFuture();
        }
        tsr.registerInterposedSynchronization(new Synchronization() {
            @Override
            public void beforeCompletion() {
            }

            @Override
            public void afterCompletion(int status) {
                Outcomes.put(run, stage.handle((ack, failure) -> failure == null ? "stored " + ack.getSeqno()
                        : "stage failed with " + (failure instanceof java.util.concurrent.CompletionException
                                ? failure.getCause() : failure).getClass().getName()).getNow("stage not completed"));
            }
        });
    }

    public long rows(String run) {
        return em.createQuery("select count(r) from AuditRow r where r.run = :run", Long.class)
                .setParameter("run", run).getSingleResult();
    }

    @jakarta.ejb.TransactionAttribute(jakarta.ejb.TransactionAttributeType.NOT_SUPPORTED)
    public void publishSentinel(String run) {
        publish(run, "sentinel");
    }
}
