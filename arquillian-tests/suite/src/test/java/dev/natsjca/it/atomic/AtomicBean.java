package dev.natsjca.it.atomic;

import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import javax.naming.InitialContext;
import javax.naming.NamingException;
import javax.sql.DataSource;

import dev.natsjca.api.NatsConnection;
import dev.natsjca.api.NatsConnectionFactory;
import dev.natsjca.it.tx.AuditRow;
import io.nats.client.api.PublishAck;
import jakarta.annotation.Resource;
import jakarta.ejb.Stateless;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionManager;
import jakarta.transaction.TransactionSynchronizationRegistry;

/**
 * Container-managed transactions (REQUIRED) that write a row through JPA on the server's default
 * (non-XA) datasource and publish JetStream messages to {@code atomic.<run>.<n>}, a stream that
 * allows atomic publish; what their publishes were acknowledged with is noted ({@link Notes}).
 */
@Stateless
public class AtomicBean {

    /** How many JetStream messages each transaction publishes. */
    public static final int MESSAGES = 3;

    /** The transaction manager: WildFly's name, then Payara's. */
    private static final List<String> TRANSACTION_MANAGERS = List.of("java:jboss/TransactionManager",
            "java:appserver/TransactionManager");

    @Resource(name = "nats/ConnectionFactory")
    private NatsConnectionFactory nats;

    @PersistenceContext
    private EntityManager em;

    /** The datasource JPA writes through (no jta-data-source in persistence.xml). */
    @Resource(lookup = "java:comp/DefaultDataSource")
    private DataSource dataSource;

    @Resource
    private TransactionSynchronizationRegistry tsr;

    /** A row and {@value #MESSAGES} JetStream messages in one transaction. */
    public void persistAndPublish(String run) {
        em.persist(new AuditRow(run + "-row", run, run + "-code"));
        publishJetStream(run);
    }

    public void persistPublishThenThrow(String run) {
        persistAndPublish(run);
        throw new IllegalStateException("application failure after persist and publish");
    }

    /**
     * A row and {@value #MESSAGES} JetStream messages, then a participant that makes the
     * datasource's commit fail after NATS has prepared ({@link FailingParticipant#closing}).
     */
    public void persistPublishThenFailTheDatasourceCommit(String run) {
        persistFlushAndPublish(run);
        try {
            Connection physical;
            // In one transaction the server hands out the connection JPA writes on (one non-XA
            // resource per transaction).
            try (Connection handle = dataSource.getConnection()) {
                physical = physical(handle);
                Notes.add(run, "datasource connection " + handle.getClass().getName() + " over "
                        + physical.getClass().getName());
                markAsBad(handle);
            }
            enlist(run, FailingParticipant.closing(run, physical));
        } catch (Exception e) {
            throw setupFailed(run, e);
        }
    }

    /** A row and {@value #MESSAGES} JetStream messages, then a participant whose prepare votes rollback after NATS's. */
    public void persistPublishThenVoteRollbackAfterNats(String run) {
        persistFlushAndPublish(run);
        try {
            enlist(run, FailingParticipant.votingRollback(run));
        } catch (Exception e) {
            throw setupFailed(run, e);
        }
    }

    private void persistFlushAndPublish(String run) {
        em.persist(new AuditRow(run + "-row", run, run + "-code"));
        em.flush(); // the row is written on the transaction's datasource connection now
        publishJetStream(run); // the NATS branch is enlisted now, before the test's participant
    }

    private void enlist(String run, FailingParticipant participant) throws Exception {
        boolean enlisted = transactionManager().getTransaction().enlistResource(participant);
        Notes.add(run, "enlisted " + enlisted);
    }

    /** A system exception: the transaction rolls back, and the notes lack "enlisted true". */
    private static IllegalStateException setupFailed(String run, Exception e) {
        Notes.add(run, "setup failed: " + e);
        return new IllegalStateException("test setup failed", e);
    }

    /** A row, a JetStream message and a core NATS message on {@code core.<run>}: these cannot be one atomic batch. */
    public void persistPublishJetStreamAndCore(String run) {
        em.persist(new AuditRow(run + "-row", run, run + "-code"));
        List<CompletableFuture<PublishAck>> acks = new ArrayList<>();
        try (NatsConnection c = nats.getConnection()) {
            acks.add(c.jetStreamPublish("atomic." + run + ".1", null, "1".getBytes(StandardCharsets.UTF_8), null)
                    .toCompletableFuture());
            c.publish("core." + run, "core".getBytes(StandardCharsets.UTF_8));
        }
        noteAtCompletion(run, acks);
    }

    public long rows(String run) {
        return em.createQuery("select count(r) from AuditRow r where r.run = :run", Long.class)
                .setParameter("run", run).getSingleResult();
    }

    private void publishJetStream(String run) {
        List<CompletableFuture<PublishAck>> acks = new ArrayList<>();
        try (NatsConnection c = nats.getConnection()) {
            for (int n = 1; n <= MESSAGES; n++) {
                acks.add(c.jetStreamPublish("atomic." + run + "." + n, null,
                        Integer.toString(n).getBytes(StandardCharsets.UTF_8), null).toCompletableFuture());
            }
        }
        noteAtCompletion(run, acks);
    }

    /** After the transaction: its status, and what each publish's acknowledgement completed with. */
    private void noteAtCompletion(String run, List<CompletableFuture<PublishAck>> acks) {
        tsr.registerInterposedSynchronization(new Synchronization() {
            @Override
            public void beforeCompletion() {
            }

            @Override
            public void afterCompletion(int status) {
                Notes.add(run, "completed " + status);
                for (CompletableFuture<PublishAck> ack : acks) {
                    Notes.add(run, ack.handle((a, failure) -> failure == null
                            ? "stored seq " + a.getSeqno() + " batch " + a.getBatchId()
                            : "not stored: " + (failure instanceof CompletionException ? failure.getCause() : failure))
                            .getNow("acknowledgement not completed"));
                }
            }
        });
    }

    /**
     * @return the JDBC driver's connection under the server's handle: WildFly
     *         {@code org.jboss.jca.adapters.jdbc.WrappedConnection#getUnderlyingConnection()},
     *         Payara {@code com.sun.gjc.spi.base.ConnectionHolder#getConnection()}; by reflection,
     *         so that this compiles without either
     */
    private static Connection physical(Connection handle) throws SQLException {
        for (String name : List.of("getUnderlyingConnection", "getConnection")) {
            try {
                Method m = handle.getClass().getMethod(name);
                if (Connection.class.isAssignableFrom(m.getReturnType())) {
                    m.setAccessible(true);
                    return (Connection) m.invoke(handle);
                }
            } catch (NoSuchMethodException e) {
                // not this server's wrapper
            } catch (ReflectiveOperationException | RuntimeException e) {
                throw new SQLException("cannot unwrap " + handle.getClass().getName() + " with " + name + "()", e);
            }
        }
        throw new SQLException("no known way to unwrap " + handle.getClass().getName());
    }

    /**
     * Payara keeps a connection whose physical connection was closed in its pool, and hands it out
     * again (to the next deployment's schema generation, say): marked bad, the pool destroys it when
     * the transaction completes ({@code com.sun.appserv.jdbc.DataSource#markConnectionAsBad}, by
     * reflection). WildFly destroys a connection whose local commit failed by itself.
     */
    private void markAsBad(Connection handle) throws ReflectiveOperationException {
        Method mark;
        try {
            mark = dataSource.getClass().getMethod("markConnectionAsBad", Connection.class);
        } catch (NoSuchMethodException e) {
            return;
        }
        mark.invoke(dataSource, handle);
    }

    private static TransactionManager transactionManager() throws NamingException {
        InitialContext jndi = new InitialContext();
        NamingException last = null;
        for (String name : TRANSACTION_MANAGERS) {
            try {
                return (TransactionManager) jndi.lookup(name);
            } catch (NamingException e) {
                last = e;
            }
        }
        throw last;
    }
}
