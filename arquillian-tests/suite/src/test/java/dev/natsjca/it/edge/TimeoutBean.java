package dev.natsjca.it.edge;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

import dev.natsjca.api.NatsConnection;
import dev.natsjca.api.NatsConnectionFactory;
import jakarta.annotation.Resource;
import jakarta.ejb.Stateless;
import jakarta.transaction.Status;
import jakarta.transaction.TransactionSynchronizationRegistry;

/**
 * A bean whose work outlasts its transaction's timeout of 1 s (set in the test's descriptors:
 * WildFly trans-timeout, Payara cmt-timeout-in-seconds), and which publishes after it.
 */
@Stateless
public class TimeoutBean {

    @Resource(name = "nats/ConnectionFactory")
    private NatsConnectionFactory nats;

    @Resource
    private TransactionSynchronizationRegistry tsr;

    public void publishAfterTheTimeout(String run) {
        try (NatsConnection c = nats.getConnection()) {
            c.publish("edge." + run, "before-timeout".getBytes(StandardCharsets.UTF_8));
        }
        // The work goes on past the timeout: until the transaction manager has acted on it
        // (WildFly rolls back at once, Payara marks it for rollback within 10 s), at most 60 s.
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (tsr.getTransactionStatus() == Status.STATUS_ACTIVE && System.nanoTime() < deadline) {
            LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
        }
        String status = "status " + tsr.getTransactionStatus();
        try (NatsConnection c = nats.getConnection()) {
            c.publish("edge." + run, "after-timeout".getBytes(StandardCharsets.UTF_8));
            Outcomes.put(run, "PUBLISHED after " + status);
        } catch (RuntimeException e) {
            Outcomes.put(run, "REFUSED after " + status + ": " + e);
        }
    }
}
