package dev.natsjca.inbound.kv;

import java.io.IOException;
import java.lang.System.Logger.Level;

import dev.natsjca.inbound.ConfigurationException;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.StreamInfo;

/**
 * Finds a watch's bucket, creating it (with jnats' and the server's defaults: one value per key,
 * file storage; {@code bucketReplicas} replicas, default one) when the watch says
 * {@code bucketDeclaration=ensure}; an existing bucket is never changed.
 */
public final class KeyValueBuckets {

    private static final System.Logger LOG = System.getLogger(KeyValueBuckets.class.getName());
    private static final int STREAM_NOT_FOUND = 10059;
    /** Another activation created it meanwhile. */
    private static final int STREAM_NAME_IN_USE = 10058;

    private KeyValueBuckets() {
    }

    /**
     * @return the bucket's stream
     * @throws ConfigurationException when the bucket does not exist and is not to be created, or
     *         the stream of that name is no bucket
     */
    public static StreamInfo ensure(Connection connection, JetStreamManagement jsm, KeyValueWatch watch, String owner)
            throws ConfigurationException, IOException, JetStreamApiException {
        StreamInfo info = find(jsm, watch);
        if (info == null && watch.ensureBucket()) {
            try {
                KeyValueConfiguration.Builder config = KeyValueConfiguration.builder().name(watch.bucket());
                if (watch.replicas() > 0) {
                    config.replicas(watch.replicas());
                }
                connection.keyValueManagement().create(config.build());
                LOG.log(Level.INFO, "{0}: created key-value bucket {1} ({2} replica(s))", owner, watch.bucket(),
                        Math.max(1, watch.replicas()));
            } catch (JetStreamApiException e) {
                if (e.getApiErrorCode() != STREAM_NAME_IN_USE) {
                    throw e;
                }
            }
            info = find(jsm, watch);
        }
        if (info == null) {
            throw new ConfigurationException("Invalid value for property 'bucket': '" + watch.bucket() + "': no such "
                    + "key-value bucket (stream " + watch.stream() + ") on the server; create it (nats kv add "
                    + watch.bucket() + "), or set bucketDeclaration=ensure");
        }
        String expected = "$KV." + watch.bucket() + ".>";
        if (!info.getConfiguration().getSubjects().contains(expected)) {
            throw new ConfigurationException("Invalid value for property 'bucket': '" + watch.bucket() + "': stream "
                    + watch.stream() + " is not a key-value bucket (its subjects are "
                    + info.getConfiguration().getSubjects() + ", not " + expected + ")");
        }
        return info;
    }

    private static StreamInfo find(JetStreamManagement jsm, KeyValueWatch watch) throws IOException, JetStreamApiException {
        try {
            return jsm.getStreamInfo(watch.stream());
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() == STREAM_NOT_FOUND) {
                return null;
            }
            throw e;
        }
    }
}
