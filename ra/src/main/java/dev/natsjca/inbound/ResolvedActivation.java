package dev.natsjca.inbound;

/**
 * The validated, placeholder-free properties of one activation.
 *
 * @param subject the subscription subject
 * @param queueGroup the queue group, or {@code null}
 * @param maxConcurrency deliveries in flight at most
 */
public record ResolvedActivation(String subject, String queueGroup, int maxConcurrency) {

    /** @return a short description for logs and connection names */
    public String describe() {
        return queueGroup == null ? subject : subject + " (queue " + queueGroup + ")";
    }
}
