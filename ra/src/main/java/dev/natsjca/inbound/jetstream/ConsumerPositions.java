package dev.natsjca.inbound.jetstream;

import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Where a consumer set up again (after it disappeared) resumes, so that nothing this activation
 * had not settled is skipped: for an ephemeral (this activation's alone) the oldest message it
 * holds unsettled, else the one after the last it received; for a durable (which other
 * activations may share) the one after the ack floor seen at the last check.
 *
 * <p>Thread-safe: noted from the dispatcher, workers and the consumer check at once.
 */
final class ConsumerPositions {

    private final boolean durable;
    /**
     * Ephemeral consumers only: stream sequences received and not yet ended here, i.e. in flight,
     * waiting, or nak'ed for redelivery. At most {@code maxAckPending}: the server hands out no
     * more unacknowledged messages.
     */
    private final ConcurrentSkipListSet<Long> unsettled = new ConcurrentSkipListSet<>();
    private final AtomicLong lastReceived = new AtomicLong();
    /** The consumer's ack floor (stream sequence) as last seen on the server; -1 before it was seen. */
    private volatile long ackFloor = -1;

    /** @param durable whether the consumer is a durable */
    ConsumerPositions(boolean durable) {
        this.durable = durable;
    }

    /** A message of the current consumer arrived. */
    void received(long streamSequence) {
        lastReceived.accumulateAndGet(streamSequence, Math::max);
        if (!durable) {
            unsettled.add(streamSequence);
        }
    }

    /** A message of the current consumer was acked or terminated. */
    void ended(long streamSequence) {
        unsettled.remove(streamSequence);
    }

    /** The server's ack floor: at or below it all is settled, also what an earlier consumer left noted here. */
    void ackFloor(long floor) {
        ackFloor = floor;
        unsettled.headSet(floor, true).clear();
    }

    /**
     * @return 0 when this activation never consumed (the consumer starts where its settings say);
     *         else the oldest stream sequence that may not be settled
     */
    long resumeFrom() {
        long floor = ackFloor;
        if (floor < 0) {
            return 0;
        }
        if (durable) {
            return floor + 1;
        }
        long last = lastReceived.get();
        long from = last > 0 ? last + 1 : floor + 1;
        Long oldest = unsettled.isEmpty() ? null : unsettled.first();
        return Math.max(1, oldest != null && oldest < from ? oldest : from);
    }

    /** The stream's sequences started over: nothing known about positions holds any more. */
    void forget() {
        unsettled.clear();
        lastReceived.set(0);
        ackFloor = -1;
    }
}
