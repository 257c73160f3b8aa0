package dev.natsjca.api;

/**
 * How long {@code onMessage} took (including the container's own work around it and, for a
 * transacted bean, its commit), over every delivery since the activation started. Percentiles
 * come from a log-linear histogram: within 1/8 of the true value.
 *
 * @param count deliveries measured
 * @param meanMillis mean, in milliseconds
 * @param p50Millis median, in milliseconds
 * @param p90Millis 90th percentile, in milliseconds
 * @param p99Millis 99th percentile, in milliseconds
 * @param maxMillis the longest, in milliseconds
 */
public record NatsProcessingTime(long count, double meanMillis, double p50Millis, double p90Millis,
                                 double p99Millis, double maxMillis) {
}
