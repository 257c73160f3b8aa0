package dev.natsjca.bench;

/** One side of a comparison: sends {@code n} messages of {@code size} bytes, end to end. */
interface Variant extends AutoCloseable {

    /** @return the name in the results table */
    String name();

    /**
     * Runs one round.
     *
     * @param n messages
     * @param size payload bytes
     * @param pacedPerSecond 0 = as fast as possible (throughput); else the send rate (latency)
     * @return what the receiving side saw; its first send time is {@link Round#firstSent()}
     */
    Round run(int n, int size, int pacedPerSecond) throws Exception;

    @Override
    default void close() throws Exception {
    }

    /** The outcome of one round. */
    record Round(int sent, long firstSent, Samples samples) {
        double perSecond() {
            long elapsed = samples.lastArrival() - firstSent;
            return elapsed <= 0 ? Double.NaN : samples.count() * 1e9 / elapsed;
        }
    }
}
