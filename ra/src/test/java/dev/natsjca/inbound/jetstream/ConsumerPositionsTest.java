package dev.natsjca.inbound.jetstream;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Where a consumer set up again resumes: nothing unsettled skipped. */
class ConsumerPositionsTest {

    @Test
    void anEphemeralResumesAtItsOldestUnsettledMessageElseAfterTheLastReceived() {
        ConsumerPositions p = new ConsumerPositions(false);
        assertEquals(0, p.resumeFrom(), "never consumed: where the settings say");
        p.ackFloor(4);
        p.received(5);
        p.received(6);
        p.received(7);
        p.ended(5);
        p.ended(7);
        assertEquals(6, p.resumeFrom(), "6 is still unsettled");
        p.ended(6);
        assertEquals(8, p.resumeFrom(), "all settled: after the last received");
        p.received(9);
        p.ackFloor(9);
        assertEquals(10, p.resumeFrom(), "what the floor covers is settled");
        p.forget();
        assertEquals(0, p.resumeFrom(), "the stream started over");
    }

    @Test
    void aDurableResumesAfterTheAckFloor() {
        ConsumerPositions p = new ConsumerPositions(true);
        p.ackFloor(10);
        p.received(11);
        p.received(12);
        assertEquals(11, p.resumeFrom(), "shared with other activations: only the server's floor is known");
    }
}
