package dev.natsjca.streams;

import dev.natsjca.inbound.kv.KeyValueWatchProperties;
import jakarta.resource.spi.ConfigProperty;

/**
 * The activation properties that declare a JetStream activation's stream ({@link StreamDeclaration}):
 * whether the adapter creates, updates or only verifies it, and the stream's settings.
 *
 * <p>Not abstract for the reason {@link dev.natsjca.config.ConnectionProperties} is not.
 */
public class StreamDeclarationProperties extends KeyValueWatchProperties {

    private static final long serialVersionUID = 1L;

    @ConfigProperty(description = "What the adapter does about the stream: none (default: it must exist), ensure "
            + "(create when absent, update what may change, refuse what may not) or verify (compare, never change)")
    private String streamDeclaration;

    @ConfigProperty(description = "Subjects of the declared stream (comma-separated; default when created: subject)")
    private String streamSubjects;

    @ConfigProperty(description = "Storage of the declared stream: file (default when created) or memory")
    private String streamStorage;

    @ConfigProperty(description = "Replicas of the declared stream (1-5)")
    private String streamReplicas;

    @ConfigProperty(description = "Retention of the declared stream: limits, interest or workqueue")
    private String streamRetention;

    @ConfigProperty(description = "Longest a message is kept (ms or ISO-8601; 0 = no limit)")
    private String streamMaxAge;

    @ConfigProperty(description = "Most messages kept (-1 = no limit)")
    private String streamMaxMessages;

    @ConfigProperty(description = "Most bytes kept (-1 = no limit)")
    private String streamMaxBytes;

    @ConfigProperty(description = "Most messages kept per subject (-1 = no limit)")
    private String streamMaxMessagesPerSubject;

    @ConfigProperty(description = "Largest message accepted, in bytes (-1 = no limit)")
    private String streamMaxMessageSize;

    @ConfigProperty(description = "What goes when a limit is reached: old (messages) or new (refused)")
    private String streamDiscard;

    @ConfigProperty(description = "true = discard new applies per subject (with streamDiscard=new and streamMaxMessagesPerSubject)")
    private String streamDiscardNewPerSubject;

    @ConfigProperty(description = "How long Nats-Msg-Id duplicates are detected (ms or ISO-8601)")
    private String streamDuplicateWindow;

    @ConfigProperty(description = "true = Nats-Rollup headers may purge a subject or the stream")
    private String streamAllowRollup;

    @ConfigProperty(description = "true = messages cannot be deleted (cannot be turned off again)")
    private String streamDenyDelete;

    @ConfigProperty(description = "true = the stream cannot be purged (cannot be turned off again)")
    private String streamDenyPurge;

    @ConfigProperty(description = "none or s2 (nats-server 2.10+)")
    private String streamCompression;

    @ConfigProperty(description = "true = per-message TTL (Nats-TTL) allowed (nats-server 2.11+; cannot be turned off again)")
    private String streamAllowMessageTtl;

    @ConfigProperty(description = "true = atomic batch publish allowed (nats-server 2.12+)")
    private String streamAllowAtomicPublish;

    @ConfigProperty(description = "Description of the declared stream")
    private String streamDescription;

    public String getStreamDeclaration() {
        return streamDeclaration;
    }

    public void setStreamDeclaration(String streamDeclaration) {
        this.streamDeclaration = streamDeclaration;
    }

    public String getStreamStorage() {
        return streamStorage;
    }

    public void setStreamStorage(String streamStorage) {
        this.streamStorage = streamStorage;
    }

    public String getStreamReplicas() {
        return streamReplicas;
    }

    public void setStreamReplicas(String streamReplicas) {
        this.streamReplicas = streamReplicas;
    }

    public String getStreamRetention() {
        return streamRetention;
    }

    public void setStreamRetention(String streamRetention) {
        this.streamRetention = streamRetention;
    }

    public String getStreamMaxAge() {
        return streamMaxAge;
    }

    public void setStreamMaxAge(String streamMaxAge) {
        this.streamMaxAge = streamMaxAge;
    }

    public String getStreamMaxMessages() {
        return streamMaxMessages;
    }

    public void setStreamMaxMessages(String streamMaxMessages) {
        this.streamMaxMessages = streamMaxMessages;
    }

    public String getStreamMaxBytes() {
        return streamMaxBytes;
    }

    public void setStreamMaxBytes(String streamMaxBytes) {
        this.streamMaxBytes = streamMaxBytes;
    }

    public String getStreamMaxMessagesPerSubject() {
        return streamMaxMessagesPerSubject;
    }

    public void setStreamMaxMessagesPerSubject(String streamMaxMessagesPerSubject) {
        this.streamMaxMessagesPerSubject = streamMaxMessagesPerSubject;
    }

    public String getStreamMaxMessageSize() {
        return streamMaxMessageSize;
    }

    public void setStreamMaxMessageSize(String streamMaxMessageSize) {
        this.streamMaxMessageSize = streamMaxMessageSize;
    }

    public String getStreamDiscard() {
        return streamDiscard;
    }

    public void setStreamDiscard(String streamDiscard) {
        this.streamDiscard = streamDiscard;
    }

    public String getStreamDiscardNewPerSubject() {
        return streamDiscardNewPerSubject;
    }

    public void setStreamDiscardNewPerSubject(String streamDiscardNewPerSubject) {
        this.streamDiscardNewPerSubject = streamDiscardNewPerSubject;
    }

    public String getStreamDuplicateWindow() {
        return streamDuplicateWindow;
    }

    public void setStreamDuplicateWindow(String streamDuplicateWindow) {
        this.streamDuplicateWindow = streamDuplicateWindow;
    }

    public String getStreamAllowRollup() {
        return streamAllowRollup;
    }

    public void setStreamAllowRollup(String streamAllowRollup) {
        this.streamAllowRollup = streamAllowRollup;
    }

    public String getStreamDenyDelete() {
        return streamDenyDelete;
    }

    public void setStreamDenyDelete(String streamDenyDelete) {
        this.streamDenyDelete = streamDenyDelete;
    }

    public String getStreamDenyPurge() {
        return streamDenyPurge;
    }

    public void setStreamDenyPurge(String streamDenyPurge) {
        this.streamDenyPurge = streamDenyPurge;
    }

    public String getStreamCompression() {
        return streamCompression;
    }

    public void setStreamCompression(String streamCompression) {
        this.streamCompression = streamCompression;
    }

    public String getStreamAllowMessageTtl() {
        return streamAllowMessageTtl;
    }

    public void setStreamAllowMessageTtl(String streamAllowMessageTtl) {
        this.streamAllowMessageTtl = streamAllowMessageTtl;
    }

    public String getStreamAllowAtomicPublish() {
        return streamAllowAtomicPublish;
    }

    public void setStreamAllowAtomicPublish(String streamAllowAtomicPublish) {
        this.streamAllowAtomicPublish = streamAllowAtomicPublish;
    }

    public String getStreamDescription() {
        return streamDescription;
    }

    public void setStreamDescription(String streamDescription) {
        this.streamDescription = streamDescription;
    }

    public String getStreamSubjects() {
        return streamSubjects;
    }

    public void setStreamSubjects(String streamSubjects) {
        this.streamSubjects = streamSubjects;
    }

    /** @return the raw value of a stream declaration property ({@code streamStorage}, ...), by its name */
    public String streamProperty(String name) {
        return switch (name) {
            case "streamSubjects" -> streamSubjects;
            case "streamStorage" -> streamStorage;
            case "streamReplicas" -> streamReplicas;
            case "streamRetention" -> streamRetention;
            case "streamMaxAge" -> streamMaxAge;
            case "streamMaxMessages" -> streamMaxMessages;
            case "streamMaxBytes" -> streamMaxBytes;
            case "streamMaxMessagesPerSubject" -> streamMaxMessagesPerSubject;
            case "streamMaxMessageSize" -> streamMaxMessageSize;
            case "streamDiscard" -> streamDiscard;
            case "streamDiscardNewPerSubject" -> streamDiscardNewPerSubject;
            case "streamDuplicateWindow" -> streamDuplicateWindow;
            case "streamAllowRollup" -> streamAllowRollup;
            case "streamDenyDelete" -> streamDenyDelete;
            case "streamDenyPurge" -> streamDenyPurge;
            case "streamCompression" -> streamCompression;
            case "streamAllowMessageTtl" -> streamAllowMessageTtl;
            case "streamAllowAtomicPublish" -> streamAllowAtomicPublish;
            case "streamDescription" -> streamDescription;
            default -> throw new IllegalArgumentException(name);
        };
    }
}
