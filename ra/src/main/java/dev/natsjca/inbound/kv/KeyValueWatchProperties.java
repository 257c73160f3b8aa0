package dev.natsjca.inbound.kv;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import dev.natsjca.config.PropertyResolver;
import dev.natsjca.config.Subjects;
import dev.natsjca.inbound.service.ServiceEndpointProperties;
import io.nats.client.support.Validator;
import jakarta.resource.spi.ConfigProperty;
import jakarta.resource.spi.InvalidPropertyException;

/**
 * The activation properties that make a {@code NatsKeyValueListener} bean watch a key-value
 * bucket: the bucket, the keys, and where a new watch starts. The JetStream properties
 * ({@code durable}, {@code ackWait}, {@code maxDeliver}, {@code backoff}, {@code deadLetterSubject},
 * ...) apply to a watch as to any JetStream activation; {@code subject}, {@code stream} and
 * {@code deliverPolicy} follow from these and may not be set.
 *
 * <p>Not abstract for the reason {@link dev.natsjca.config.ConnectionProperties} is not.
 */
public class KeyValueWatchProperties extends ServiceEndpointProperties {

    private static final long serialVersionUID = 1L;

    static final String BUCKET = "bucket";
    static final String KEYS = "keys";
    static final String KEY_VALUE_START = "keyValueStart";
    static final String BUCKET_DECLARATION = "bucketDeclaration";
    static final String BUCKET_REPLICAS = "bucketReplicas";

    @ConfigProperty(description = "Makes the bean (a NatsKeyValueListener) watch this key-value bucket: letters, "
            + "digits, - and _")
    private String bucket;

    @ConfigProperty(description = "Keys to watch, comma-separated; * matches one token, > the rest (default >: all)")
    private String keys;

    @ConfigProperty(description = "Where a new watch starts: lastValue (default: the last value of each key, then "
            + "every change), new (only later changes) or history (every change the bucket holds)")
    private String keyValueStart;

    @ConfigProperty(description = "none (default: the bucket must exist) or ensure (create it, with the server's "
            + "defaults, when it does not; an existing bucket is left as it is)")
    private String bucketDeclaration;

    @ConfigProperty(description = "Replicas (1-5) of a bucket bucketDeclaration=ensure creates (default 1); an "
            + "existing bucket keeps its own")
    private String bucketReplicas;

    /**
     * @return the watch, or {@code null} when {@code bucket} is not set (then neither may the others be)
     * @throws InvalidPropertyException naming the property and its value
     */
    protected KeyValueWatch resolveKeyValueWatch() throws InvalidPropertyException {
        String b = PropertyResolver.resolveSet(BUCKET, bucket);
        String k = PropertyResolver.resolveSet(KEYS, keys);
        String s = PropertyResolver.resolveSet(KEY_VALUE_START, keyValueStart);
        String d = PropertyResolver.resolveSet(BUCKET_DECLARATION, bucketDeclaration);
        String r = PropertyResolver.resolveSet(BUCKET_REPLICAS, bucketReplicas);
        if (b == null) {
            for (String[] other : new String[][] {{KEYS, k}, {KEY_VALUE_START, s}, {BUCKET_DECLARATION, d},
                    {BUCKET_REPLICAS, r}}) {
                if (other[1] != null) {
                    throw new InvalidPropertyException("Invalid value for property '" + other[0] + "': '" + other[1]
                            + "': it applies to a key-value watch, and property '" + BUCKET + "' is not set");
                }
            }
            return null;
        }
        try {
            Validator.validateBucketName(b, true);
        } catch (IllegalArgumentException e) {
            throw new InvalidPropertyException("Invalid value for property '" + BUCKET + "': '" + b
                    + "': a bucket name has only letters, digits, - and _");
        }
        List<String> patterns = new ArrayList<>();
        for (String key : (k == null ? ">" : k).split(",")) {
            String trimmed = key.trim();
            try {
                Validator.validateKvKeyWildcardAllowedRequired(trimmed);
                String[] tokens = trimmed.split("\\.", -1);
                for (int i = 0; i < tokens.length; i++) {
                    String t = tokens[i];
                    if (t.isEmpty() || (t.length() > 1 && (t.contains("*") || t.contains(">")))
                            || (t.equals(">") && i < tokens.length - 1)) {
                        throw new IllegalArgumentException("token " + (i + 1) + " is '" + t + "'");
                    }
                }
            } catch (IllegalArgumentException e) {
                String why = e.getMessage().startsWith("token ") ? e.getMessage() + "; " : "";
                throw new InvalidPropertyException("Invalid value for property '" + KEYS + "': '" + k + "': key '"
                        + trimmed + "' is not a key pattern (" + why + "letters, digits, - _ / = and ., tokens separated by ., "
                        + "* for one token, > for the rest, no empty token)");
            }
            patterns.add(trimmed);
        }
        // The subject rules (overlaps, > last) decide what a key pattern may be, on the subjects it becomes.
        List<String> subjects = new ArrayList<>();
        for (String p : patterns) {
            subjects.add("$KV." + b + "." + p);
        }
        Subjects.requireSubscribeSubjects(KEYS, String.join(",", subjects)); // named as the subjects they become
        KeyValueWatch.Start start = KeyValueWatch.Start.LAST_VALUE;
        if (s != null) {
            start = null;
            for (KeyValueWatch.Start candidate : KeyValueWatch.Start.values()) {
                if (candidate.property().toLowerCase(Locale.ROOT).equals(s.toLowerCase(Locale.ROOT))) {
                    start = candidate;
                }
            }
            if (start == null) {
                throw new InvalidPropertyException("Invalid value for property '" + KEY_VALUE_START + "': '" + s
                        + "': expected lastValue, new or history");
            }
        }
        if (d != null && !d.equalsIgnoreCase("none") && !d.equalsIgnoreCase("ensure")) {
            throw new InvalidPropertyException("Invalid value for property '" + BUCKET_DECLARATION + "': '" + d
                    + "': expected none or ensure");
        }
        boolean ensure = d != null && d.equalsIgnoreCase("ensure");
        int replicas = 0;
        if (r != null) {
            try {
                replicas = Integer.parseInt(r);
            } catch (NumberFormatException e) {
                replicas = -1;
            }
            if (replicas < 1 || replicas > 5) {
                throw new InvalidPropertyException("Invalid value for property '" + BUCKET_REPLICAS + "': '" + r
                        + "': must be a whole number from 1 to 5");
            }
            if (!ensure) {
                throw new InvalidPropertyException("Invalid value for property '" + BUCKET_REPLICAS + "': '" + r
                        + "': it applies to a bucket the watch creates; set bucketDeclaration=ensure too");
            }
        }
        return new KeyValueWatch(b, List.copyOf(patterns), start, ensure, replicas);
    }

    public String getBucket() {
        return bucket;
    }

    public void setBucket(String bucket) {
        this.bucket = bucket;
    }

    public String getBucketDeclaration() {
        return bucketDeclaration;
    }

    public void setBucketDeclaration(String bucketDeclaration) {
        this.bucketDeclaration = bucketDeclaration;
    }

    public String getBucketReplicas() {
        return bucketReplicas;
    }

    public void setBucketReplicas(String bucketReplicas) {
        this.bucketReplicas = bucketReplicas;
    }

    public String getKeys() {
        return keys;
    }

    public void setKeys(String keys) {
        this.keys = keys;
    }

    public String getKeyValueStart() {
        return keyValueStart;
    }

    public void setKeyValueStart(String keyValueStart) {
        this.keyValueStart = keyValueStart;
    }
}
