package dev.natsjca.inbound;

import dev.natsjca.api.NatsBatchListener;
import dev.natsjca.api.NatsKeyValueListener;
import dev.natsjca.api.NatsMessageListener;
import dev.natsjca.api.NatsServiceListener;
import dev.natsjca.config.ConnectionProperties;
import dev.natsjca.config.ConnectionSettings;
import dev.natsjca.config.PropertyResolver;
import dev.natsjca.config.Subjects;
import dev.natsjca.inbound.jetstream.JetStreamSettings;
import dev.natsjca.inbound.kv.KeyValueWatch;
import dev.natsjca.inbound.selector.Selector;
import dev.natsjca.inbound.selector.SelectorSyntaxException;
import dev.natsjca.inbound.service.ServiceEndpointProperties;
import dev.natsjca.inbound.service.ServiceSettings;
import jakarta.resource.ResourceException;
import jakarta.resource.spi.Activation;
import jakarta.resource.spi.ActivationSpec;
import jakarta.resource.spi.ConfigProperty;
import jakarta.resource.spi.InvalidPropertyException;
import jakarta.resource.spi.ResourceAdapter;

/**
 * Activation properties of a NATS message-driven bean.
 *
 * <table>
 *   <caption>Properties</caption>
 *   <tr><th>property</th><th>meaning</th></tr>
 *   <tr><td>{@code subject}</td><td>required; the subject to subscribe to, wildcards allowed</td></tr>
 *   <tr><td>{@code queueGroup}</td><td>optional; activations sharing a queue group share the
 *       messages, each message going to one of them</td></tr>
 *   <tr><td>{@code maxConcurrency}</td><td>deliveries in flight at once for this activation
 *       (default 1, which keeps publish order)</td></tr>
 *   <tr><td>the {@link ConnectionProperties}</td>
 *       <td>override the adapter's connection defaults for this activation</td></tr>
 * </table>
 *
 * Every value may be a {@code ${key}} / {@code ${key:default}} MicroProfile Config placeholder.
 * {@link #validate()} rejects bad values naming the property and the value.
 */
@Activation(messageListeners = {NatsMessageListener.class, NatsServiceListener.class, NatsBatchListener.class,
        NatsKeyValueListener.class})
public class NatsActivationSpec extends dev.natsjca.streams.StreamDeclarationProperties implements ActivationSpec {

    private static final long serialVersionUID = 1L;

    static final String SUBJECT = "subject";
    static final String QUEUE_GROUP = "queueGroup";
    static final String MAX_CONCURRENCY = "maxConcurrency";
    static final String MAX_PENDING = "maxPending";
    static final String SELECTOR = "selector";
    /** Default client-side buffer of a core subscription, in messages (jnats' own is 512 Ki). */
    static final int DEFAULT_MAX_PENDING = 10_000;

    @ConfigProperty(description = "Subjects to subscribe to, comma-separated (required; wildcards * and > allowed; "
            + "no two overlapping; several need nats-server 2.10 for JetStream)")
    private String subject;

    @ConfigProperty(description = "Queue group shared by competing activations (optional)")
    private String queueGroup;

    @ConfigProperty(description = "Maximum deliveries in flight for this activation", defaultValue = "1")
    private String maxConcurrency = "1";

    @ConfigProperty(description = "Core NATS: messages buffered in the client while every delivery is busy; "
            + "beyond it the client drops messages, logs a warning and counts them (default 10000)")
    private String maxPending;

    @ConfigProperty(description = "JetStream stream to consume from; set = JetStream consumption (at-least-once)")
    private String stream;

    @ConfigProperty(description = "Durable consumer name; unset = an ephemeral consumer")
    private String durable;

    @ConfigProperty(description = "all, new, last, lastPerSubject, byStartSequence or byStartTime (default all)")
    private String deliverPolicy;

    @ConfigProperty(description = "First stream sequence, with deliverPolicy=byStartSequence")
    private String startSequence;

    @ConfigProperty(description = "First message time (ISO-8601 instant), with deliverPolicy=byStartTime")
    private String startTime;

    @ConfigProperty(description = "How long the server waits for an ack before redelivering: milliseconds or ISO-8601 (default 30 s)")
    private String ackWait;

    @ConfigProperty(description = "Delivery attempts before a message is dead-lettered and terminated (default 5)")
    private String maxDeliver;

    @ConfigProperty(description = "Comma-separated delays before redelivery after the 1st, 2nd, ... failure (milliseconds or ISO-8601); the last repeats; unset = at once")
    private String backoff;

    @ConfigProperty(description = "Most unacknowledged messages the server hands this consumer (default 1000)")
    private String maxAckPending;

    @ConfigProperty(description = "Messages per pull request (default 10)")
    private String batchSize;

    @ConfigProperty(description = "Where a message goes after maxDeliver failures (must be bound to a stream); unset = terminated and logged")
    private String deadLetterSubject;

    @ConfigProperty(description = "Delivers only messages that match this selector (JMS message-selector syntax "
            + "over headers and $subject tokens); JetStream: others are acknowledged without delivery and counted")
    private String selector;

    @ConfigProperty(description = "JetStream: exception types (fully qualified, comma-separated) that dead-letter a "
            + "message at once, like types annotated @NatsPermanentFailure")
    private String permanentFailures;

    @ConfigProperty(description = "JetStream: longest a delivery may run (ms or ISO-8601); meanwhile the adapter keeps "
            + "it alive (inProgress), after it the delivery counts as failed; unset = no keep-alive, no limit")
    private String maxProcessingTime;

    @ConfigProperty(description = "A NatsBatchListener bean: messages per delivery at most (1-1000; default 100)")
    private String maxBatchSize;

    @ConfigProperty(description = "A NatsBatchListener bean: how long a delivery with fewer messages waits for more, "
            + "milliseconds or ISO-8601, 0 = none (default 20 ms, at most 10 s)")
    private String maxBatchWait;

    private transient ResourceAdapter resourceAdapter;

    /**
     * Checks every property; placeholders are resolved first.
     *
     * @throws InvalidPropertyException naming the property and its value
     */
    @Override
    public void validate() throws InvalidPropertyException {
        resolved();
    }

    /**
     * @return the resolved, validated properties
     * @throws InvalidPropertyException naming the property and its value
     */
    public ResolvedActivation resolved() throws InvalidPropertyException {
        String s = PropertyResolver.resolve(SUBJECT, subject);
        KeyValueWatch watch = resolveKeyValueWatch();
        java.util.List<String> subjects;
        if (watch == null) {
            subjects = Subjects.requireSubscribeSubjects(SUBJECT, s == null ? "" : s);
        } else if (s != null && !s.isBlank()) {
            throw new InvalidPropertyException("Invalid value for property '" + SUBJECT + "': '" + s + "': a key-value "
                    + "watch (bucket '" + watch.bucket() + "') follows the keys named by 'keys'; leave subject unset");
        } else {
            subjects = watch.subjects();
        }
        String q = PropertyResolver.resolve(QUEUE_GROUP, queueGroup);
        if (q != null && q.isEmpty()) {
            q = null;
        }
        if (q != null) {
            String why = Subjects.queueGroupProblem(q);
            if (why != null) {
                throw new InvalidPropertyException("Invalid value for property '" + QUEUE_GROUP + "': '" + q
                        + "': " + why);
            }
        }
        int concurrency = positiveInt(MAX_CONCURRENCY, PropertyResolver.resolve(MAX_CONCURRENCY, maxConcurrency));
        String mp = PropertyResolver.resolve(MAX_PENDING, maxPending);
        JetStreamSettings js = JetStreamSettings.resolve(this, subjects, q, concurrency, watch);
        if (js != null && mp != null && !mp.isBlank()) {
            throw new InvalidPropertyException("Invalid value for property '" + MAX_PENDING + "': '" + mp
                    + "': it applies to core NATS only; a JetStream activation is bounded by batchSize and maxAckPending");
        }
        int pending = mp == null || mp.isBlank() ? DEFAULT_MAX_PENDING : positiveInt(MAX_PENDING, mp);
        ServiceSettings service = resolveService();
        if (service != null) {
            if (js != null) {
                throw new InvalidPropertyException("Invalid value for property 'stream': '" + js.stream() + "': a "
                        + "service endpoint ('" + service.name() + "') answers core requests; it has no stream");
            }
            if (subjects.size() != 1) {
                throw new InvalidPropertyException("Invalid value for property '" + SUBJECT + "': '" + s + "': a "
                        + "service endpoint ('" + service.name() + "') has one subject; make one bean per subject");
            }
            if (q == null) {
                q = ServiceSettings.DEFAULT_QUEUE_GROUP;
            }
        }
        BatchSettings batch = BatchSettings.resolve(PropertyResolver.resolve(BatchSettings.MAX_BATCH_SIZE, maxBatchSize),
                PropertyResolver.resolve(BatchSettings.MAX_BATCH_WAIT, maxBatchWait));
        if (batch != null && service != null) {
            throw new InvalidPropertyException("Invalid value for property '" + BatchSettings.MAX_BATCH_SIZE + "': '"
                    + (maxBatchSize == null ? "" : maxBatchSize) + "': a service endpoint ('" + service.name()
                    + "') answers each request on its own; batches are for NatsBatchListener beans");
        }
        if (batch != null && js != null && batch.maxSize() > js.maxAckPending()) {
            throw new InvalidPropertyException("Invalid value for property '" + BatchSettings.MAX_BATCH_SIZE + "': '"
                    + batch.maxSize() + "': more than maxAckPending (" + js.maxAckPending() + "), so no batch could fill");
        }
        if (watch != null && (service != null || batch != null)) {
            throw new InvalidPropertyException("Invalid value for property 'bucket': '" + watch.bucket() + "': a "
                    + "key-value watch delivers each change to a NatsKeyValueListener; "
                    + (service != null ? "it is not a service endpoint" : "it takes no batches"));
        }
        Selector sel = selector(service);
        return new ResolvedActivation(subjects, q, concurrency, pending, js, service, batch, watch, sel,
                ListenerKind.implied(service, batch, watch));
    }

    /**
     * @param defaults the adapter's connection defaults
     * @return the connection settings of this activation: the defaults with this spec's overrides
     * @throws ResourceException naming an invalid property and its value
     */
    public ConnectionSettings connectionSettings(ConnectionSettings.Builder defaults) throws ResourceException {
        return applyTo(defaults).build();
    }

    /** @return the parsed selector, or {@code null} when none is set */
    private Selector selector(ServiceSettings service) throws InvalidPropertyException {
        String text = PropertyResolver.resolve(SELECTOR, selector);
        if (text == null || text.isBlank()) {
            return null;
        }
        if (service != null) {
            throw new InvalidPropertyException("Invalid value for property '" + SELECTOR + "': '" + text + "': a "
                    + "service endpoint ('" + service.name() + "') answers every request it receives; a request it "
                    + "skipped would go unanswered");
        }
        try {
            return Selector.parse(text);
        } catch (SelectorSyntaxException e) {
            throw new InvalidPropertyException("Invalid value for property '" + SELECTOR + "': '" + text + "': "
                    + e.getMessage());
        }
    }

    private static int positiveInt(String property, String value) throws InvalidPropertyException {
        try {
            int v = Integer.parseInt(value == null ? "" : value.trim());
            if (v >= 1) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below, with the property and value
        }
        throw new InvalidPropertyException("Invalid value for property '" + property + "': '" + value
                + "': must be a whole number of at least 1");
    }

    public String getSelector() {
        return selector;
    }

    public void setSelector(String selector) {
        this.selector = selector;
    }

    public String getPermanentFailures() {
        return permanentFailures;
    }

    public void setPermanentFailures(String permanentFailures) {
        this.permanentFailures = permanentFailures;
    }

    public String getMaxProcessingTime() {
        return maxProcessingTime;
    }

    public void setMaxProcessingTime(String maxProcessingTime) {
        this.maxProcessingTime = maxProcessingTime;
    }

    public String getMaxBatchSize() {
        return maxBatchSize;
    }

    public void setMaxBatchSize(String maxBatchSize) {
        this.maxBatchSize = maxBatchSize;
    }

    public String getMaxBatchWait() {
        return maxBatchWait;
    }

    public void setMaxBatchWait(String maxBatchWait) {
        this.maxBatchWait = maxBatchWait;
    }

    public String getMaxPending() {
        return maxPending;
    }

    public void setMaxPending(String maxPending) {
        this.maxPending = maxPending;
    }

    public String getStream() {
        return stream;
    }

    public void setStream(String stream) {
        this.stream = stream;
    }

    public String getDurable() {
        return durable;
    }

    public void setDurable(String durable) {
        this.durable = durable;
    }

    public String getDeliverPolicy() {
        return deliverPolicy;
    }

    public void setDeliverPolicy(String deliverPolicy) {
        this.deliverPolicy = deliverPolicy;
    }

    public String getStartSequence() {
        return startSequence;
    }

    public void setStartSequence(String startSequence) {
        this.startSequence = startSequence;
    }

    public String getStartTime() {
        return startTime;
    }

    public void setStartTime(String startTime) {
        this.startTime = startTime;
    }

    public String getAckWait() {
        return ackWait;
    }

    public void setAckWait(String ackWait) {
        this.ackWait = ackWait;
    }

    public String getMaxDeliver() {
        return maxDeliver;
    }

    public void setMaxDeliver(String maxDeliver) {
        this.maxDeliver = maxDeliver;
    }

    public String getBackoff() {
        return backoff;
    }

    public void setBackoff(String backoff) {
        this.backoff = backoff;
    }

    public String getMaxAckPending() {
        return maxAckPending;
    }

    public void setMaxAckPending(String maxAckPending) {
        this.maxAckPending = maxAckPending;
    }

    public String getBatchSize() {
        return batchSize;
    }

    public void setBatchSize(String batchSize) {
        this.batchSize = batchSize;
    }

    public String getDeadLetterSubject() {
        return deadLetterSubject;
    }

    public void setDeadLetterSubject(String deadLetterSubject) {
        this.deadLetterSubject = deadLetterSubject;
    }

    @Override
    public ResourceAdapter getResourceAdapter() {
        return resourceAdapter;
    }

    @Override
    public void setResourceAdapter(ResourceAdapter ra) {
        this.resourceAdapter = ra;
    }

    public String getSubject() {
        return subject;
    }

    public void setSubject(String subject) {
        this.subject = subject;
    }

    public String getQueueGroup() {
        return queueGroup;
    }

    public void setQueueGroup(String queueGroup) {
        this.queueGroup = queueGroup;
    }

    public String getMaxConcurrency() {
        return maxConcurrency;
    }

    public void setMaxConcurrency(String maxConcurrency) {
        this.maxConcurrency = maxConcurrency;
    }

    @Override
    public String toString() {
        return "NatsActivationSpec[subject=" + subject + ", queueGroup=" + queueGroup + ", maxConcurrency="
                + maxConcurrency + (selector == null ? "" : ", selector=" + selector)
                + (getBucket() == null ? "" : ", bucket=" + getBucket()) + ", " + describeConnectionProperties() + "]";
    }
}
