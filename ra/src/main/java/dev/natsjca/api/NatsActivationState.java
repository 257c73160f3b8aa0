package dev.natsjca.api;

/**
 * What one message-driven bean's activation is doing, as {@link NatsActivationStatus#state()}
 * reports it. Only {@link #CONSUMING} means messages can reach the bean.
 */
public enum NatsActivationState {
    /** Never connected yet: the adapter retries every 2 s. */
    CONNECTING,
    /** Was connected; the connection is lost and the client reconnects. */
    RECONNECTING,
    /** Connected, but the consumer is not (yet, or no longer) set up: the adapter retries, backing off. */
    SETTING_UP,
    /** Connected and consuming. */
    CONSUMING,
    /**
     * Connected and set up, but nothing can arrive: the pull went silent (no message or heartbeat
     * for three heartbeat intervals), the consumer is gone from the server, the subscription
     * ended, or messages have waited 30 s while no delivery took one. The adapter works to recover it;
     * {@link NatsActivationStatus#problem()} says what it found.
     */
    STALLED,
    /** The server refused the configuration; nothing is consumed until the bean is redeployed. */
    FAILED,
    /** Undeployed or stopping. */
    STOPPED
}
