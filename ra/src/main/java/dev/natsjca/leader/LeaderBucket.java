package dev.natsjca.leader;

import java.io.IOException;
import java.time.Duration;
import java.util.function.LongConsumer;

import dev.natsjca.api.NatsConnection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.KeyValueManagement;
import io.nats.client.KeyValueOptions;
import io.nats.client.PurgeOptions;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.KeyValueStatus;
import io.nats.client.api.StreamConfiguration;

/**
 * The key-value bucket an election runs in, and how it comes to exist: created so that its
 * revisions (the fencing tokens) start at the time in microseconds, and so that two nodes
 * creating it at once can never cost a leader its key. Stateless apart from its settings and
 * whether it tried to change an existing bucket's replicas.
 */
final class LeaderBucket {

    static final int JS_STREAM_NAME_IN_USE = 10058;
    static final int JS_STREAM_NOT_FOUND = 10059;

    private final String bucket;
    private final KeyValueOptions kvOptions;
    private final KeyValueConfiguration bucketConfig;
    private final int replicasWanted;
    /** The change of an existing bucket's replicas was tried (once per election). */
    private volatile boolean replicasTried;

    /**
     * @param replicasWanted the replicas asked for, which an existing bucket is changed to; 0:
     *        none asked for, an existing bucket is left as it is
     */
    LeaderBucket(String bucket, KeyValueOptions kvOptions, KeyValueConfiguration bucketConfig, int replicasWanted) {
        this.replicasWanted = replicasWanted;
        this.bucket = bucket;
        this.kvOptions = kvOptions;
        this.bucketConfig = bucketConfig;
    }

    /**
     * Looks the bucket up; creates it when absent; finishes one a node left half created.
     *
     * @param created told the floor when this call created the bucket
     * @param replicasChanged told the former replica count when this call changed it to the one
     *        asked for, and the failure when the server refused the change (the bucket then stays)
     * @return the bucket's TTL (max age) as the server holds it, {@code null} for none
     */
    Duration ensure(NatsConnection connection, LongConsumer created,
                    java.util.function.ObjIntConsumer<Exception> replicasChanged) throws IOException, JetStreamApiException {
        KeyValueManagement kvm = connection.keyValueManagement(kvOptions);
        KeyValueStatus status;
        try {
            status = kvm.getStatus(bucket);
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() != JS_STREAM_NOT_FOUND) {
                throw e;
            }
            createBucket(connection.jetStreamManagement(), created);
            status = kvm.getStatus(bucket);
        }
        if (!status.getBackingStreamInfo().getConfiguration().getSubjects().contains(kvSubjects())) {
            // Created by a node that has not finished (or stopped before it finished): finish it.
            finishBucket(connection.jetStreamManagement());
            status = kvm.getStatus(bucket);
        }
        StreamConfiguration found = status.getBackingStreamInfo().getConfiguration();
        if (replicasWanted > 0 && found.getReplicas() != replicasWanted && !replicasTried) {
            // Asked for explicitly (a cluster grown to three nodes, say): the server moves the
            // bucket's stream to the new count keeping its keys and revisions. Tried once: a
            // refusal (fewer nodes up than replicas) leaves the bucket as it is, and working.
            replicasTried = true;
            try {
                connection.jetStreamManagement().updateStream(StreamConfiguration.builder(found)
                        .replicas(replicasWanted).build());
                replicasChanged.accept(null, found.getReplicas());
            } catch (JetStreamApiException | IOException e) {
                replicasChanged.accept(e, found.getReplicas());
            }
        }
        return status.getTtl();
    }

    /** Description of a bucket's stream until its revisions start at the floor that follows. */
    static final String CREATING = "nats-jca leader bucket being created; revisions from ";

    private String kvSubjects() {
        return "$KV." + bucket + ".>";
    }

    /** @return the first sequence of a bucket created now: the current time in microseconds since the epoch */
    static long floorNow() {
        return Math.multiplyExact(System.currentTimeMillis(), 1000L);
    }

    /**
     * Creates the bucket so that its revisions start at {@link #floorNow()}: with that first
     * sequence (servers from 2.10 honour it) and, at first, a subject no key can have; then moves
     * the sequence up to it by a purge (for servers that ignore the first sequence), and only then
     * gives the stream its key-value subjects. No key can be written before its revisions are in
     * place, so no node ever holds a low token.
     *
     * <p>The floor is written into the unfinished stream's description: so two nodes creating at
     * once never both succeed (servers before 2.10 ignore the first sequence, and would take the
     * second create for a repeat of the first), and whoever finishes the bucket purges below that
     * one floor only, which can never remove a key written after it.
     */
    private void createBucket(JetStreamManagement jsm, LongConsumer created) throws IOException, JetStreamApiException {
        long floor = floorNow();
        StreamConfiguration kvStream = bucketConfig.getBackingConfig();
        try {
            jsm.addStream(StreamConfiguration.builder(kvStream).subjects("$KV." + bucket + "._creating")
                    .description(CREATING + floor).firstSequence(floor).build());
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() != JS_STREAM_NAME_IN_USE) {
                throw e;
            }
            return; // another node created it meanwhile; it finishes it, or the next look does
        }
        finishBucket(jsm);
        created.accept(floor);
    }

    private void finishBucket(JetStreamManagement jsm) throws IOException, JetStreamApiException {
        String stream = "KV_" + bucket;
        io.nats.client.api.StreamInfo info = jsm.getStreamInfo(stream);
        if (info.getConfiguration().getSubjects().contains(kvSubjects())) {
            return; // another node finished it meanwhile
        }
        String description = info.getConfiguration().getDescription();
        if (description == null || !description.startsWith(CREATING)) {
            throw new IOException("stream " + stream + " has neither the key-value subjects nor the description "
                    + "of a bucket being created (" + description + "): not finishing a stream this election did not create");
        }
        long floor;
        try {
            floor = Long.parseLong(description.substring(CREATING.length()));
        } catch (NumberFormatException e) {
            throw new IOException("stream " + stream + ": no floor in its description '" + description + "'", e);
        }
        long first = info.getStreamState().getFirstSequence();
        if (first < floor) {
            jsm.purgeStream(stream, PurgeOptions.builder().sequence(floor).build());
        }
        jsm.updateStream(bucketConfig.getBackingConfig());
    }
}
