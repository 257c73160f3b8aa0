package dev.natsjca.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.natsjca.api.NatsActivationStatus;

/**
 * Monitors of one name, made at once (servers start message-driven beans in parallel) or by
 * two adapters (two applications' RARs), each get a name of their own and an MBean; closing one
 * leaves the other in place.
 */
class MonitoringTest {

    @Test
    void activationsOfOneNameMadeAtOnceEachGetTheirOwnNameAndMBean() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 50; round++) {
                Monitoring monitoring = new Monitoring();
                CyclicBarrier start = new CyclicBarrier(2);
                List<Future<ActivationMonitor>> made = new ArrayList<>();
                for (int i = 0; i < 2; i++) {
                    made.add(pool.submit(() -> {
                        start.await(5, TimeUnit.SECONDS);
                        return monitoring.activation("Bean", "race.x", false);
                    }));
                }
                ActivationMonitor a = made.get(0).get(5, TimeUnit.SECONDS);
                ActivationMonitor b = made.get(1).get(5, TimeUnit.SECONDS);
                Set<String> names = new HashSet<>();
                for (NatsActivationStatus s : monitoring.snapshot().activations()) {
                    names.add(s.name());
                }
                assertEquals(Set.of("Bean", "Bean-2"), names, "round " + round);
                assertTrue(registered(a.name()) && registered(b.name()), "round " + round);

                a.close();
                assertFalse(registered(a.name()));
                assertTrue(registered(b.name()), "closing one leaves the other's MBean");
                assertEquals(List.of(b.name()), monitoring.snapshot().activations().stream()
                        .map(NatsActivationStatus::name).toList());
                monitoring.close();
                assertFalse(registered(b.name()));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aNameAnotherAdapterRegisteredIsNotTakenFromIt() {
        Monitoring first = new Monitoring();
        Monitoring second = new Monitoring();
        ActivationMonitor a = first.activation("Shared", "x", false);
        ActivationMonitor b = second.activation("Shared", "y", false);
        assertEquals("Shared", a.name());
        assertEquals("Shared-2", b.name());
        second.close();
        assertTrue(registered("Shared"), "the other adapter's MBean stays");
        first.close();
        assertFalse(registered("Shared"));
    }

    private static boolean registered(String name) {
        return ManagementFactory.getPlatformMBeanServer().isRegistered(Monitoring.objectName("Activation", name));
    }
}
