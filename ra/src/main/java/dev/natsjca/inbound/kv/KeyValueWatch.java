package dev.natsjca.inbound.kv;

import java.util.List;

import io.nats.client.api.DeliverPolicy;
import io.nats.client.support.NatsKeyValueUtil;

/**
 * The validated key-value watch of one activation.
 *
 * @param bucket the bucket
 * @param keys the key patterns ({@code *} one token, {@code >} the rest), no two overlapping
 * @param start where a new watch starts
 * @param ensureBucket whether the activation creates the bucket when it does not exist
 * @param replicas the replicas of a bucket the activation creates; 0 for the server's default
 */
public record KeyValueWatch(String bucket, List<String> keys, Start start, boolean ensureBucket, int replicas) {

    /** Where a watch that has no consumer yet starts; a durable watch that exists resumes instead. */
    public enum Start {
        /** The last value of each key first (a delete marker for a deleted key), then every change. */
        LAST_VALUE("lastValue", DeliverPolicy.LastPerSubject),
        /** Only changes made after the watch started. */
        NEW("new", DeliverPolicy.New),
        /** Every change the bucket still holds (its {@code history} per key), then every new one. */
        HISTORY("history", DeliverPolicy.All);

        private final String property;
        private final DeliverPolicy policy;

        Start(String property, DeliverPolicy policy) {
            this.property = property;
            this.policy = policy;
        }

        /** @return the property value naming it */
        public String property() {
            return property;
        }

        /** @return the consumer's deliver policy */
        public DeliverPolicy deliverPolicy() {
            return policy;
        }
    }

    /** @return the bucket's stream: {@code KV_<bucket>} */
    public String stream() {
        return NatsKeyValueUtil.toStreamName(bucket);
    }

    /** @return the consumer's filter subjects: {@code $KV.<bucket>.<key>} for each key pattern */
    public List<String> subjects() {
        String prefix = NatsKeyValueUtil.toKeyPrefix(bucket);
        return keys.stream().map(k -> prefix + k).toList();
    }

    /** @return the key of a change's subject: the subject without {@code $KV.<bucket>.} */
    String keyOf(String subject) {
        String prefix = NatsKeyValueUtil.toKeyPrefix(bucket);
        return subject.startsWith(prefix) ? subject.substring(prefix.length()) : subject;
    }
}
