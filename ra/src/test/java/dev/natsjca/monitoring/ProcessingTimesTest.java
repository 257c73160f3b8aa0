package dev.natsjca.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import dev.natsjca.api.NatsProcessingTime;

/** The histogram's percentiles are within 1/8 of the true values, and every slot is where its bounds say. */
class ProcessingTimesTest {

    @Test
    void eachValueFallsInTheSlotWhoseBoundsHoldIt() {
        for (long micros = 0; micros < 5_000_000; micros += 1 + micros / 100) {
            int i = ProcessingTimes.index(micros);
            assertTrue(micros <= ProcessingTimes.upperBound(i), micros + " above slot " + i);
            assertTrue(i == 0 || micros > ProcessingTimes.upperBound(i - 1), micros + " below slot " + i);
        }
    }

    @Test
    void percentilesOfAUniformSpreadAreWithinAnEighth() {
        ProcessingTimes t = new ProcessingTimes();
        for (int ms = 1; ms <= 1000; ms++) {
            t.record(ms * 1_000_000L);
        }
        NatsProcessingTime s = t.snapshot();
        assertEquals(1000, s.count());
        assertEquals(500.5, s.meanMillis(), 0.01);
        assertEquals(500, s.p50Millis(), 500 / 8.0);
        assertEquals(900, s.p90Millis(), 900 / 8.0);
        assertEquals(990, s.p99Millis(), 990 / 8.0);
        assertEquals(1000, s.maxMillis(), 0.001);
    }

    @Test
    void nothingRecordedIsAllZero() {
        assertEquals(new NatsProcessingTime(0, 0, 0, 0, 0, 0), new ProcessingTimes().snapshot());
    }
}
