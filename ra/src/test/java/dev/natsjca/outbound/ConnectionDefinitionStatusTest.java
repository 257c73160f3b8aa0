package dev.natsjca.outbound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.natsjca.api.NatsConnection;
import dev.natsjca.api.NatsConnectionDefinitionStatus;
import dev.natsjca.monitoring.Monitoring;
import dev.natsjca.testing.Await;
import dev.natsjca.testing.NatsServerExtension;
import dev.natsjca.testing.TestXid;
import io.nats.client.api.StreamConfiguration;

/**
 * A connection definition's counts match what went through it, exactly, in the status snapshot and
 * as JMX attributes: handles, immediate publishes, staged messages, committed and rolled-back
 * transactions, open and reconnecting connections, reconnects.
 */
class ConnectionDefinitionStatusTest {

    @RegisterExtension
    static final NatsServerExtension NATS = NatsServerExtension.onFreePort();

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void countsMatchWhatWentThroughTheDefinition() throws Exception {
        NatsManagedConnectionFactory mcf = new NatsManagedConnectionFactory();
        mcf.setServerUrls(NATS.server().url());
        mcf.setConnectionName("status-test");
        mcf.setReconnectWait("100");
        NatsManagedConnection mc = (NatsManagedConnection) mcf.createManagedConnection(null, null);
        try {
            NatsConnection handle = (NatsConnection) mc.getConnection(null, null);
            handle.jetStreamManagement().addStream(StreamConfiguration.builder().name("CDS").subjects("cds.>").build());
            handle.publish("cds.core", bytes("a"));
            handle.jetStreamPublish("cds.js", null, bytes("b"), null).toCompletableFuture().get();
            XAResource xa = mc.getXAResource();

            Xid committed = new TestXid();
            xa.start(committed, XAResource.TMNOFLAGS);
            handle.publish("cds.core", bytes("c"));
            handle.jetStreamPublish("cds.js", null, bytes("d"), null);
            xa.end(committed, XAResource.TMSUCCESS);
            assertEquals(XAResource.XA_OK, xa.prepare(committed));
            xa.commit(committed, false);

            Xid onePhase = new TestXid();
            xa.start(onePhase, XAResource.TMNOFLAGS);
            handle.publish("cds.core", bytes("e"));
            xa.end(onePhase, XAResource.TMSUCCESS);
            xa.commit(onePhase, true);

            Xid rolledBack = new TestXid();
            xa.start(rolledBack, XAResource.TMNOFLAGS);
            handle.publish("cds.core", bytes("f"));
            xa.end(rolledBack, XAResource.TMSUCCESS);
            xa.rollback(rolledBack);

            Xid failed = new TestXid(); // the stream refuses the message at commit: rolled back
            xa.start(failed, XAResource.TMNOFLAGS);
            handle.jetStreamPublish("nostream.cds", null, bytes("g"), null);
            xa.end(failed, XAResource.TMSUCCESS);
            assertThrows(XAException.class, () -> xa.commit(failed, true));

            Xid readOnly = new TestXid(); // nothing staged: no transaction to count
            xa.start(readOnly, XAResource.TMNOFLAGS);
            xa.end(readOnly, XAResource.TMSUCCESS);
            assertEquals(XAResource.XA_RDONLY, xa.prepare(readOnly));

            mc.getConnection(null, null);
            NatsConnectionDefinitionStatus s = status(mcf);
            assertEquals("status-test", s.name());
            assertEquals(1, s.openConnections());
            assertEquals(0, s.reconnectingConnections());
            assertEquals(List.of(NATS.server().url()), s.connectedServers());
            assertEquals(2, s.handlesHandedOut());
            assertEquals(2, s.publishes());
            assertEquals(5, s.staged());
            assertEquals(2, s.committedTransactions());
            assertEquals(2, s.rolledBackTransactions());
            assertEquals(0, s.reconnects());

            MBeanServer mbeans = ManagementFactory.getPlatformMBeanServer();
            ObjectName on = Monitoring.objectName("ConnectionDefinition", "status-test");
            assertEquals(2L, mbeans.getAttribute(on, "Publishes"));
            assertEquals(5L, mbeans.getAttribute(on, "Staged"));
            assertEquals(2L, mbeans.getAttribute(on, "CommittedTransactions"));
            assertEquals(2L, mbeans.getAttribute(on, "RolledBackTransactions"));
            assertEquals(1, mbeans.getAttribute(on, "OpenConnections"));

            NATS.server().restart();
            Await.until(WAIT, () -> "a reconnect counted: " + status(mcf), () -> status(mcf).reconnects() == 1
                    && status(mcf).reconnectingConnections() == 0);
        } finally {
            mc.destroy();
        }
        assertEquals(0, status(mcf).openConnections());
    }

    private static NatsConnectionDefinitionStatus status(NatsManagedConnectionFactory mcf) {
        return mcf.status().connectionDefinitions().stream().filter(d -> d.name().equals("status-test")).findFirst()
                .orElseThrow();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
