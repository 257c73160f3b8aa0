package dev.natsjca.inbound;

import java.util.List;

import dev.natsjca.inbound.jetstream.JetStreamSettings;
import dev.natsjca.inbound.kv.KeyValueWatch;
import dev.natsjca.inbound.selector.Selector;
import dev.natsjca.inbound.service.ServiceSettings;

/**
 * The validated, placeholder-free properties of one activation.
 *
 * @param subjects the subscription subjects (one or more, no two overlapping)
 * @param queueGroup the queue group, or {@code null}
 * @param maxConcurrency deliveries in flight at most
 * @param maxPending core subscriptions: messages the client buffers while all deliveries are busy
 * @param jetStream the JetStream consumer settings, or {@code null} for a core subscription
 * @param service the service the endpoint belongs to, or {@code null}
 * @param batch how deliveries are batched ({@code NatsBatchListener}), or {@code null}: one message each
 * @param keyValue the key-value watch ({@code NatsKeyValueListener}), or {@code null}
 * @param selector which messages are delivered, or {@code null}: all
 * @param listener the listener the bean implements: what the properties imply until the
 *        adapter knows the bean's class ({@link ListenerKind#of})
 */
public record ResolvedActivation(List<String> subjects, String queueGroup, int maxConcurrency, int maxPending,
                                 JetStreamSettings jetStream, ServiceSettings service, BatchSettings batch,
                                 KeyValueWatch keyValue, Selector selector, ListenerKind listener) {

    public ResolvedActivation {
        // Deliveries batch by `batch`, EndpointDelivery calls by `listener`: a batch reaching a
        // single-message method would ack all but its first message undelivered.
        if (batch != null && listener != ListenerKind.BATCH) {
            throw new IllegalStateException("batch settings for a " + listener + " listener");
        }
        // A batch listener's pulls ask for a batch at least (and a durable's max_batch is raised to it).
        if (batch != null && jetStream != null && jetStream.batchSize() < batch.maxSize()) {
            jetStream = jetStream.withBatchSize(batch.maxSize());
        }
    }

    /** @return these settings with {@code batch} */
    public ResolvedActivation withBatch(BatchSettings batch) {
        return new ResolvedActivation(subjects, queueGroup, maxConcurrency, maxPending, jetStream, service, batch,
                keyValue, selector, listener);
    }

    /** @return these settings for a bean that implements {@code listener} */
    public ResolvedActivation withListener(ListenerKind listener) {
        return new ResolvedActivation(subjects, queueGroup, maxConcurrency, maxPending, jetStream, service, batch,
                keyValue, selector, listener);
    }

    /** @return messages one delivery takes at most: 1 unless batched */
    public int messagesPerDelivery() {
        return batch == null ? 1 : batch.maxSize();
    }

    /** @return the subjects as configured: comma-separated */
    public String subject() {
        return String.join(",", subjects);
    }

    /** @return a short description for logs and connection names */
    public String describe() {
        if (keyValue != null) {
            return "bucket " + keyValue.bucket() + " keys " + String.join(",", keyValue.keys())
                    + (jetStream.durable() == null ? "" : " (durable " + jetStream.durable() + ")");
        }
        if (jetStream != null) {
            return subject() + " (stream " + jetStream.stream() + ", "
                    + (jetStream.durable() == null ? "ephemeral" : "durable " + jetStream.durable()) + ")";
        }
        String where = queueGroup == null ? subject() : subject() + " (queue " + queueGroup + ")";
        return service == null ? where : where + " (service " + service.name() + ")";
    }
}
