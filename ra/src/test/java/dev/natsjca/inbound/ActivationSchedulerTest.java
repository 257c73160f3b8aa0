package dev.natsjca.inbound;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.Timer;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.natsjca.testing.Await;
import dev.natsjca.testing.TestWorkManager;

/** Background work of an activation: run as work, or its fallback once when the work manager refuses. */
class ActivationSchedulerTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final Timer timer = new Timer("test-timer", true);
    private final TestWorkManager workManager = new TestWorkManager(1, 1);
    private final ActivationScheduler scheduler = new ActivationScheduler(timer, workManager, "test", () -> true);
    private final AtomicInteger ran = new AtomicInteger();
    private final AtomicInteger fellBack = new AtomicInteger();

    @AfterEach
    void stop() throws InterruptedException {
        timer.cancel();
        workManager.shutdown();
    }

    @Test
    void acceptedWorkRuns() {
        scheduler.runAsWork(ran::incrementAndGet, fellBack::incrementAndGet);
        Await.until(WAIT, () -> "ran " + ran, () -> ran.get() == 1);
        assertEquals(0, fellBack.get());
    }

    @Test
    void workRefusedAtOnceRunsTheFallbackOnce() {
        workManager.rejectNext(1);
        scheduler.runAsWork(ran::incrementAndGet, fellBack::incrementAndGet);
        assertEquals(1, fellBack.get());
        assertEquals(0, ran.get());
    }

    @Test
    void workAcceptedAndRejectedLaterRunsTheFallbackOnce() {
        // Without it, a keep-alive round so lost would leave its pending flag set: no time-out again.
        workManager.rejectLater(1);
        scheduler.runAsWork(ran::incrementAndGet, fellBack::incrementAndGet);
        Await.until(WAIT, () -> "fell back " + fellBack, () -> fellBack.get() == 1);
        scheduler.runAsWork(ran::incrementAndGet, fellBack::incrementAndGet);
        Await.until(WAIT, () -> "ran " + ran, () -> ran.get() == 1);
        assertEquals(1, fellBack.get());
    }
}
