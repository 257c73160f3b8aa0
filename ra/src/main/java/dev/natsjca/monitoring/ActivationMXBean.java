package dev.natsjca.monitoring;

/**
 * One activation of a message-driven bean, as JMX shows it:
 * {@code dev.natsjca:type=Activation,name=<bean>}. Every read takes a fresh snapshot; times are
 * ISO-8601 instants (empty when there is none), durations milliseconds.
 */
public interface ActivationMXBean {
    String getSource();
    String getState();
    String getStateSince();
    boolean isConnected();
    String getConnectedSince();
    String getServer();
    /** @return "true", "false", or "" (core subscription, or not checked yet) */
    String getConsumerPresent();
    String getLastHeartbeat();
    int getInFlight();
    int getHandOffDepth();
    String getLastDelivery();
    long getDelivered();
    long getSucceeded();
    long getFailed();
    long getRedelivered();
    long getDeadLettered();
    long getTerminated();
    long getFiltered();
    long getTimedOut();
    long getDropped();
    long getNumPending();
    long getNumAckPending();
    long getConsumerRecreations();
    long getProcessingCount();
    double getProcessingMeanMillis();
    double getProcessingP50Millis();
    double getProcessingP90Millis();
    double getProcessingP99Millis();
    double getProcessingMaxMillis();
    boolean isReady();
    boolean isLive();
    String getProblem();
}
