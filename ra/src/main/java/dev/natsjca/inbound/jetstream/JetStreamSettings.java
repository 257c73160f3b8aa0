package dev.natsjca.inbound.jetstream;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import dev.natsjca.config.Durations;
import dev.natsjca.config.PropertyResolver;
import dev.natsjca.config.Subjects;
import dev.natsjca.inbound.NatsActivationSpec;
import dev.natsjca.inbound.kv.KeyValueWatch;
import dev.natsjca.streams.StreamDeclaration;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import jakarta.resource.spi.InvalidPropertyException;

/**
 * The validated JetStream properties of one activation, and the consumer configuration they make.
 *
 * @param stream the stream
 * @param durable the durable consumer name, or {@code null} for an ephemeral consumer
 * @param deliverPolicy where a new consumer starts
 * @param startSequence with {@link DeliverPolicy#ByStartSequence}
 * @param startTime with {@link DeliverPolicy#ByStartTime}
 * @param ackWait how long the server waits for an ack
 * @param maxDeliver the delivery count (the server's, from the message metadata) from which a failed
 *        delivery is dead-lettered; the server-side consumer has no limit of its own
 * @param backoff delays before redelivery after the 1st, 2nd, ... failure; the last repeats
 * @param maxAckPending unacknowledged messages at most
 * @param batchSize messages per pull
 * @param deadLetterSubject where exhausted messages go, or {@code null}
 * @param streamDeclaration what the activation declares about its stream
 * @param permanentFailures exception type names (besides {@code @NatsPermanentFailure} types)
 *        whose failures are dead-lettered at once
 * @param maxProcessingTime how long a delivery may run, kept alive meanwhile, before it counts as
 *        failed; {@code null}: no keep-alive and no limit
 */
public record JetStreamSettings(String stream, String durable, DeliverPolicy deliverPolicy, long startSequence,
                                ZonedDateTime startTime, Duration ackWait, int maxDeliver, List<Duration> backoff,
                                int maxAckPending, int batchSize, String deadLetterSubject,
                                StreamDeclaration streamDeclaration, List<String> permanentFailures,
                                Duration maxProcessingTime) {

    /** @return these settings with pulls of {@code n} messages (a batch listener's batch, at least) */
    public JetStreamSettings withBatchSize(int n) {
        return new JetStreamSettings(stream, durable, deliverPolicy, startSequence, startTime, ackWait, maxDeliver,
                backoff, maxAckPending, n, deadLetterSubject, streamDeclaration, permanentFailures, maxProcessingTime);
    }

    /**
     * @return the settings, or {@code null} when the spec names no stream (core NATS)
     * @throws InvalidPropertyException naming the property and its value
     */
    public static JetStreamSettings resolve(NatsActivationSpec spec, List<String> subjects, String queueGroup,
                                            int maxConcurrency, KeyValueWatch watch)
            throws InvalidPropertyException {
        String stream = value(spec, "stream", spec.getStream());
        if (watch != null) {
            for (String[] p : new String[][] {{"stream", stream},
                    {"deliverPolicy", value(spec, "deliverPolicy", spec.getDeliverPolicy())},
                    {"streamDeclaration", value(spec, "streamDeclaration", spec.getStreamDeclaration())},
                    {"queueGroup", queueGroup}}) {
                if (p[1] != null) {
                    throw new InvalidPropertyException("Invalid value for property '" + p[0] + "': '" + p[1]
                            + "': a key-value watch (bucket '" + watch.bucket() + "') consumes the bucket's stream "
                            + watch.stream() + " from keyValueStart; leave " + p[0] + " unset");
                }
            }
            stream = watch.stream();
        }
        if (stream == null) {
            for (String[] p : new String[][] {{"durable", spec.getDurable()}, {"deadLetterSubject", spec.getDeadLetterSubject()},
                    {"maxDeliver", spec.getMaxDeliver()}, {"backoff", spec.getBackoff()}, {"streamDeclaration", spec.getStreamDeclaration()},
                    {"permanentFailures", spec.getPermanentFailures()}, {"maxProcessingTime", spec.getMaxProcessingTime()}}) {
                if (value(spec, p[0], p[1]) != null) { // resolved: a placeholder may stand for nothing
                    throw new InvalidPropertyException("Invalid value for property '" + p[0] + "': '" + p[1]
                            + "': it applies to JetStream only; set 'stream' too");
                }
            }
            for (String name : StreamDeclaration.PROPERTIES) {
                String v = spec.streamProperty(name);
                if (value(spec, name, v) != null) {
                    throw new InvalidPropertyException("Invalid value for property '" + name + "': '" + v
                            + "': it declares a JetStream stream; set 'stream' and 'streamDeclaration' too");
                }
            }
            return null;
        }
        name("stream", stream);
        if (queueGroup != null) {
            throw new InvalidPropertyException("Invalid value for property 'queueGroup': '" + queueGroup
                    + "': JetStream activations share work through a common 'durable', not a queue group");
        }
        String durable = value(spec, "durable", spec.getDurable());
        if (durable != null) {
            name("durable", durable);
        }
        DeliverPolicy policy = DeliverPolicy.All;
        long startSequence = 0;
        ZonedDateTime startTime = null;
        String dp = value(spec, "deliverPolicy", spec.getDeliverPolicy());
        if (watch != null) {
            policy = watch.start().deliverPolicy();
        } else if (dp != null) {
            switch (dp.trim().toLowerCase(Locale.ROOT)) {
                case "all" -> policy = DeliverPolicy.All;
                case "new" -> policy = DeliverPolicy.New;
                case "last" -> policy = DeliverPolicy.Last;
                case "lastpersubject" -> policy = DeliverPolicy.LastPerSubject;
                case "bystartsequence" -> {
                    policy = DeliverPolicy.ByStartSequence;
                    startSequence = number("startSequence", value(spec, "startSequence", spec.getStartSequence()), 1, Long.MAX_VALUE, -1);
                    if (startSequence < 0) {
                        throw new InvalidPropertyException("Invalid value for property 'startSequence': none: "
                                + "deliverPolicy=byStartSequence needs it");
                    }
                }
                case "bystarttime" -> {
                    policy = DeliverPolicy.ByStartTime;
                    String t = value(spec, "startTime", spec.getStartTime());
                    try {
                        startTime = Instant.parse(t == null ? "" : t.trim()).atZone(ZoneOffset.UTC);
                    } catch (DateTimeParseException e) {
                        throw new InvalidPropertyException("Invalid value for property 'startTime': '" + t
                                + "': deliverPolicy=byStartTime needs an ISO-8601 instant, e.g. 2026-01-31T12:00:00Z");
                    }
                }
                default -> throw new InvalidPropertyException("Invalid value for property 'deliverPolicy': '" + dp
                        + "': expected all, new, last, lastPerSubject, byStartSequence or byStartTime");
            }
        }
        String aw = value(spec, "ackWait", spec.getAckWait());
        Duration ackWait = aw == null ? Duration.ofSeconds(30) : Durations.parsePositive("ackWait", aw);
        int maxDeliver = (int) number("maxDeliver", value(spec, "maxDeliver", spec.getMaxDeliver()), 1, 10_000, 5);
        List<Duration> backoff = new ArrayList<>();
        String bo = value(spec, "backoff", spec.getBackoff());
        if (bo != null) {
            for (String part : bo.split(",")) {
                backoff.add(Durations.parsePositive("backoff", part.trim()));
            }
        }
        int maxAckPending = (int) number("maxAckPending", value(spec, "maxAckPending", spec.getMaxAckPending()),
                1, 1_000_000, 1000);
        if (maxAckPending < maxConcurrency) {
            throw new InvalidPropertyException("Invalid value for property 'maxAckPending': '" + maxAckPending
                    + "': must be at least maxConcurrency (" + maxConcurrency + ")");
        }
        int batchSize = (int) number("batchSize", value(spec, "batchSize", spec.getBatchSize()), 1, 10_000, 10);
        String dlq = value(spec, "deadLetterSubject", spec.getDeadLetterSubject());
        if (dlq != null) {
            String why = Subjects.publishProblem(dlq);
            if (why != null) {
                throw new InvalidPropertyException("Invalid value for property 'deadLetterSubject': '" + dlq + "': " + why);
            }
            for (String subject : subjects) {
                if (Subjects.matches(subject, dlq)) {
                    throw new InvalidPropertyException("Invalid value for property 'deadLetterSubject': '" + dlq
                            + "': the activation's subject '" + subject + "' matches it, so every dead letter would be "
                            + "delivered to this bean again");
                }
            }
        }
        java.util.Map<String, String> streamProperties = new java.util.HashMap<>();
        for (String name : StreamDeclaration.PROPERTIES) {
            streamProperties.put(name, value(spec, name, spec.streamProperty(name)));
        }
        StreamDeclaration declaration = StreamDeclaration.of(stream,
                value(spec, "streamDeclaration", spec.getStreamDeclaration()), streamProperties::get, subjects);
        List<String> permanent = new ArrayList<>();
        String pf = value(spec, "permanentFailures", spec.getPermanentFailures());
        if (pf != null) {
            for (String part : pf.split(",")) {
                String name = part.trim();
                if (!isClassName(name)) {
                    throw new InvalidPropertyException("Invalid value for property 'permanentFailures': '" + pf
                            + "': '" + name + "' is not a fully qualified class name (e.g. "
                            + "com.example.UnknownOrderTypeException); list exception types, comma-separated");
                }
                if (TOO_BROAD.contains(name)) {
                    throw new InvalidPropertyException("Invalid value for property 'permanentFailures': '" + pf
                            + "': " + name + " would make every failure permanent (a lost connection, a rolled-back "
                            + "transaction too); list the exceptions retrying cannot fix");
                }
                permanent.add(name);
            }
        }
        String mpt = value(spec, "maxProcessingTime", spec.getMaxProcessingTime());
        Duration maxProcessingTime = mpt == null ? null : Durations.parsePositive("maxProcessingTime", mpt);
        return new JetStreamSettings(stream, durable, policy, startSequence, startTime, ackWait, maxDeliver,
                List.copyOf(backoff), maxAckPending, batchSize, dlq, declaration, List.copyOf(permanent),
                maxProcessingTime);
    }

    /** @return the delay before redelivery after failure number {@code deliveryCount} (1-based) */
    Duration backoffFor(long deliveryCount) {
        if (backoff.isEmpty()) {
            return Duration.ZERO;
        }
        int i = (int) Math.min(Math.max(deliveryCount, 1), backoff.size()) - 1;
        return backoff.get(i);
    }

    /**
     * An ephemeral consumer the server forgets after this long without a pull: longer than a
     * server restart plus the re-pull that follows it, so that it normally survives one (when it
     * does not, the activation sets it up again, see {@link JetStreamActivation}).
     */
    static final Duration EPHEMERAL_INACTIVE_THRESHOLD = Duration.ofMinutes(1);

    /**
     * @param subjects the activation's subjects, the consumer's filters
     * @param resumeFrom 0 for a consumer made at activation, which starts where {@code deliverPolicy}
     *        says; else the stream sequence a consumer set up again (after it disappeared) starts at
     * @return the configuration of a new consumer: explicit acks, filtered on the subject, no
     *         server-side delivery limit (the adapter counts attempts and ends them, see
     *         {@link #maxDeliver()})
     */
    ConsumerConfiguration newConsumer(List<String> subjects, long resumeFrom) {
        ConsumerConfiguration.Builder b = mutable(subjects);
        if (resumeFrom > 0) {
            b.deliverPolicy(DeliverPolicy.ByStartSequence).startSequence(resumeFrom);
        } else {
            b.deliverPolicy(deliverPolicy);
            if (deliverPolicy == DeliverPolicy.ByStartSequence) {
                b.startSequence(startSequence);
            } else if (deliverPolicy == DeliverPolicy.ByStartTime) {
                b.startTime(startTime);
            }
        }
        return b.build();
    }

    /**
     * @param existing the durable as it exists on the server (a pull consumer)
     * @param pullExpires how long the activation's pulls wait at the server
     * @return the durable with this activation's settings (subject, ack wait, no server-side
     *         delivery limit, {@code maxAckPending}, whole messages, pull limits that admit its
     *         pulls); everything else stays as it is, since an operator may have set it (max
     *         waiting pulls, replicas, description) and where it started only matters to a new
     *         consumer
     */
    ConsumerConfiguration updateOf(ConsumerConfiguration existing, List<String> subjects, Duration pullExpires) {
        ConsumerConfiguration.Builder b = ConsumerConfiguration.builder(existing)
                .filterSubjects(subjects)
                .ackPolicy(AckPolicy.Explicit)
                .ackWait(ackWait)
                .maxDeliver(-1)
                .maxAckPending(maxAckPending)
                .headersOnly(false); // else the bean would get empty bodies, and ack them
        // Limits below what the activation asks for would refuse every pull: nothing delivered.
        if (existing.getMaxBatch() > 0 && existing.getMaxBatch() < batchSize) {
            b.maxBatch(batchSize);
        }
        Duration maxExpires = existing.getMaxExpires();
        if (maxExpires != null && !maxExpires.isZero() && maxExpires.compareTo(pullExpires) < 0) {
            b.maxExpires(pullExpires);
        }
        return b.build();
    }

    private ConsumerConfiguration.Builder mutable(List<String> subjects) {
        ConsumerConfiguration.Builder b = ConsumerConfiguration.builder()
                .filterSubjects(subjects) // one: filter_subject; several: filter_subjects (nats-server 2.10)
                .ackPolicy(AckPolicy.Explicit)
                .ackWait(ackWait)
                .maxDeliver(-1)
                .maxAckPending(maxAckPending);
        if (durable != null) {
            b.durable(durable);
        } else {
            // Longer than a delivery may hold its message: some servers (2.9) delete an ephemeral
            // that no pull reached for the threshold although messages are still unacknowledged.
            Duration held = ackWait.plus(EPHEMERAL_INACTIVE_THRESHOLD);
            b.inactiveThreshold(held);
        }
        return b;
    }

    private static String value(NatsActivationSpec spec, String property, String raw) throws InvalidPropertyException {
        return PropertyResolver.resolveSet(property, raw);
    }

    private static final java.util.Set<String> TOO_BROAD = java.util.Set.of("java.lang.Throwable",
            "java.lang.Exception", "java.lang.RuntimeException", "java.lang.Error", "jakarta.ejb.EJBException",
            "dev.natsjca.api.NatsException");

    /** @return whether {@code s} is a binary class name: dot-separated Java identifiers */
    private static boolean isClassName(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (String part : s.split("\\.", -1)) {
            if (part.isEmpty() || !Character.isJavaIdentifierStart(part.charAt(0))) {
                return false;
            }
            for (int i = 1; i < part.length(); i++) {
                if (!Character.isJavaIdentifierPart(part.charAt(i))) {
                    return false;
                }
            }
        }
        return true;
    }

    private static void name(String property, String value) throws InvalidPropertyException {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '.' || c == '*' || c == '>' || c == '/' || c == '\\' || Character.isWhitespace(c)
                    || Character.isISOControl(c)) {
                throw new InvalidPropertyException("Invalid value for property '" + property + "': '" + value
                        + "': a JetStream name may not contain '.', '*', '>', slashes or whitespace");
            }
        }
    }

    private static long number(String property, String value, long min, long max, long fallback)
            throws InvalidPropertyException {
        if (value == null) {
            return fallback;
        }
        try {
            long n = Long.parseLong(value);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new InvalidPropertyException("Invalid value for property '" + property + "': '" + value
                + "': must be a whole number from " + min + " to " + max);
    }
}
