package dev.natsjca.monitoring;

/**
 * Why a consuming activation receives nothing although it is connected, as the activation's own
 * probe reports it.
 *
 * @param reason what was found, for operators
 * @param sinceNanos {@link System#nanoTime()} when it began
 * @param local whether the cause is in this instance (no delivery worker can run), which restarting
 *        it ends, rather than on the NATS side
 */
public record Stall(String reason, long sinceNanos, boolean local) {
}
