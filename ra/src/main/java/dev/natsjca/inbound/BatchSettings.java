package dev.natsjca.inbound;

import java.time.Duration;

import dev.natsjca.config.Durations;
import jakarta.resource.spi.InvalidPropertyException;

/**
 * How a {@code NatsBatchListener} activation batches its deliveries.
 *
 * @param maxSize messages per delivery at most
 * @param maxWait how long a delivery that has fewer waits for more
 */
public record BatchSettings(int maxSize, Duration maxWait) {

    static final String MAX_BATCH_SIZE = "maxBatchSize";
    static final String MAX_BATCH_WAIT = "maxBatchWait";
    /** The most messages one delivery takes. */
    static final int LIMIT = 1000;
    /** The longest a delivery may wait for its batch to fill: a batch is for throughput, not for holding messages. */
    static final Duration WAIT_LIMIT = Duration.ofSeconds(10);
    /** A batch listener's settings when it sets none. */
    public static final BatchSettings DEFAULT = new BatchSettings(100, Duration.ofMillis(20));

    /**
     * @param size the {@code maxBatchSize} value, or {@code null}
     * @param wait the {@code maxBatchWait} value, or {@code null}
     * @return the settings, or {@code null} when neither is set
     * @throws InvalidPropertyException naming the property and its value
     */
    static BatchSettings resolve(String size, String wait) throws InvalidPropertyException {
        if ((size == null || size.isBlank()) && (wait == null || wait.isBlank())) {
            return null;
        }
        int n = DEFAULT.maxSize;
        if (size != null && !size.isBlank()) {
            try {
                n = Integer.parseInt(size.trim());
            } catch (NumberFormatException e) {
                n = -1;
            }
            if (n < 1 || n > LIMIT) {
                throw new InvalidPropertyException("Invalid value for property '" + MAX_BATCH_SIZE + "': '" + size
                        + "': must be a whole number from 1 to " + LIMIT);
            }
        }
        Duration w = DEFAULT.maxWait;
        if (wait != null && !wait.isBlank()) {
            // 0: what is waiting, never more.
            w = wait.trim().equals("0") ? Duration.ZERO : Durations.parsePositive(MAX_BATCH_WAIT, wait);
            if (w.compareTo(WAIT_LIMIT) > 0) {
                throw new InvalidPropertyException("Invalid value for property '" + MAX_BATCH_WAIT + "': '" + wait
                        + "': must be from 0 to " + WAIT_LIMIT.toMillis() + " ms");
            }
        }
        return new BatchSettings(n, w);
    }
}
