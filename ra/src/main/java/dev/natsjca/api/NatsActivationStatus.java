package dev.natsjca.api;

import java.time.Instant;
import java.util.Objects;

/**
 * A snapshot of one message-driven bean's activation: its state, what it has done since it
 * started, and whether it counts as ready. Taken without a server round trip: the JetStream
 * figures ({@code consumerPresent}, {@code numPending}, {@code numAckPending}) are those of the
 * adapter's last consumer check (every 10 s).
 *
 * @param name the name operators see (the bean's name; the JMX {@code name} key)
 * @param source what it consumes: subjects, queue group, stream and consumer
 * @param jetStream whether it consumes from a JetStream consumer (else a core subscription)
 * @param state what it is doing
 * @param since when it entered {@code state}
 * @param connected whether its NATS connection is connected now
 * @param connectedSince when it last connected, or {@code null} when it never did
 * @param server the server it is connected to (credentials removed), or {@code null}
 * @param consumerPresent JetStream: whether the consumer existed at the last check
 *        ({@code null} before the first, and for core subscriptions)
 * @param lastHeartbeat JetStream: when the pull last showed life (a message, a heartbeat or a
 *        status), or {@code null}
 * @param inFlight deliveries running now
 * @param handOffDepth messages received and waiting for a delivery worker
 * @param lastDelivery when a delivery last ended, or {@code null}
 * @param delivered deliveries started (messages handed to {@code onMessage})
 * @param succeeded deliveries that returned normally (transacted: that committed)
 * @param failed deliveries that threw or rolled back
 * @param redelivered JetStream: messages received with a delivery count above 1
 * @param deadLettered JetStream: messages moved to the dead-letter subject
 * @param terminated JetStream: messages ended without a dead letter (no {@code deadLetterSubject},
 *        or the bean called {@code term()})
 * @param dropped core: messages the client dropped because the bean fell behind ({@code maxPending}),
 *        or that were received but not delivered when the activation stopped
 * @param filtered messages that did not match the activation's {@code selector}: not delivered
 *        (JetStream: acknowledged without delivery)
 * @param timedOut JetStream: deliveries that ran longer than {@code maxProcessingTime} and were
 *        counted as failed while the bean still ran
 * @param numPending JetStream: messages in the stream not yet delivered to the consumer
 *        ({@code num_pending}) at the last check, or -1
 * @param numAckPending JetStream: messages delivered and not yet acknowledged
 *        ({@code num_ack_pending}) at the last check, or -1
 * @param consumerRecreations JetStream: how often the consumer was found gone and set up again
 * @param processingTime how long deliveries took
 * @param ready whether the activation counts as ready (see {@link NatsStatus#ready()})
 * @param live whether its deliveries can make progress on their own (see {@link NatsStatus#live()})
 * @param problem why it is not ready, or what is wrong while it still counts as ready
 *        (within the grace period); {@code null} when nothing is
 */
public record NatsActivationStatus(String name, String source, boolean jetStream, NatsActivationState state,
                                   Instant since, boolean connected, Instant connectedSince, String server,
                                   Boolean consumerPresent, Instant lastHeartbeat, int inFlight, int handOffDepth,
                                   Instant lastDelivery, long delivered, long succeeded, long failed,
                                   long redelivered, long deadLettered, long terminated, long dropped,
                                   long filtered, long timedOut,
                                   long numPending, long numAckPending, long consumerRecreations,
                                   NatsProcessingTime processingTime, boolean ready, boolean live,
                                   String problem) {

    public NatsActivationStatus {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(processingTime, "processingTime");
    }
}
