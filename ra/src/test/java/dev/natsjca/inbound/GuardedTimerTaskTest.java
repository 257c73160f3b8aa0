package dev.natsjca.inbound;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Timer;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

class GuardedTimerTaskTest {

    @Test
    void aTaskThatThrowsLeavesTheTimerRunningForTheOthers() throws Exception {
        leavesTheTimerRunning(new IllegalStateException("test: a task fails"));
    }

    @Test
    void aTaskThatFailsAnAssertionOrOverflowsItsStackLeavesTheTimerRunning() throws Exception {
        leavesTheTimerRunning(new AssertionError("test: an assertion fails"));
        leavesTheTimerRunning(new StackOverflowError("test: a task recursed too deep"));
    }

    private static void leavesTheTimerRunning(Throwable failure) throws Exception {
        Timer timer = new Timer("guarded-test", true);
        try {
            CountDownLatch thrown = new CountDownLatch(1);
            timer.schedule(GuardedTimerTask.of("test", () -> {
                thrown.countDown();
                if (failure instanceof RuntimeException r) {
                    throw r;
                }
                throw (Error) failure;
            }), 0);
            assertTrue(thrown.await(10, TimeUnit.SECONDS));
            CountDownLatch next = new CountDownLatch(1);
            timer.schedule(GuardedTimerTask.of("test", next::countDown), 0); // a dead timer throws here
            assertTrue(next.await(10, TimeUnit.SECONDS), "the next task ran");
        } finally {
            timer.cancel();
        }
    }
}
