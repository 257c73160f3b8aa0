package dev.natsjca.inbound;

import java.lang.System.Logger.Level;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import javax.transaction.xa.XAResource;

import dev.natsjca.api.NatsBatchListener;
import dev.natsjca.api.NatsKeyValueListener;
import dev.natsjca.api.NatsMessageListener;
import dev.natsjca.api.NatsServiceListener;
import dev.natsjca.inbound.kv.KeyValueChange;
import dev.natsjca.inbound.kv.KeyValueWatch;
import dev.natsjca.monitoring.ActivationMonitor;
import dev.natsjca.monitoring.Tracing;
import io.nats.client.Message;
import jakarta.resource.ResourceException;
import jakarta.resource.spi.endpoint.MessageEndpoint;
import jakarta.resource.spi.endpoint.MessageEndpointFactory;

/**
 * Delivers one message to an endpoint and settles it exactly once: {@code beforeDelivery} and
 * {@code afterDelivery} paired around {@code onMessage} when the delivery is transacted, the
 * message settled by the transaction's outcome when the activation settles in it (else by how
 * {@code onMessage} ended), the delivery counted and run in its span. Tracing may fail (an
 * application's span processor that throws): the delivery goes on without it. The
 * {@link Deliveries} worker provides the endpoints; this class keeps no state per message.
 */
final class EndpointDelivery {

    private static final System.Logger LOG = EndpointActivation.LOG;
    /** The endpoints of the worker that delivers. */
    interface Endpoints {
        /** @return the worker's endpoint for deliveries that do not settle in a transaction, or {@code null} (stopping) */
        MessageEndpoint reusable();

        /** @return a new endpoint enlisting {@code xaResource}, or {@code null} (stopping) */
        MessageEndpoint create(XAResource xaResource);

        /** Releases an endpoint made by {@link #create}. */
        void release(MessageEndpoint endpoint);

        /** @return whether the worker is to deliver nothing more (the activation stops) */
        boolean stopping();
    }

    private final EndpointActivation activation;
    private final ActivationMonitor monitor;
    private final Tracing.ConsumerTracing tracing;
    private final Consumer<Message> giveBack;
    private final boolean transacted;
    /** The bean's listener: which method each delivery calls ({@link ListenerKind#method()}). */
    private final ListenerKind kind;
    /** A key-value watch's, whose messages the bean receives as changes; else {@code null}. */
    private final KeyValueWatch keyValue;
    private volatile boolean traceFailureLogged;
    private final java.util.concurrent.atomic.AtomicBoolean ackAtCommitLogged = new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * @param giveBack gives a message back that could not be delivered (no endpoint came)
     * @throws ResourceException when the endpoint does not implement the listener interface
     */
    EndpointDelivery(EndpointActivation activation, MessageEndpointFactory endpointFactory,
                     Consumer<Message> giveBack) throws ResourceException {
        this.activation = activation;
        this.monitor = activation.monitor();
        this.giveBack = giveBack;
        Class<?> bean = ListenerKind.beanClass(endpointFactory); // null: the adapter's class loader then
        ResolvedActivation spec = activation.resolved();
        this.tracing = activation.tracing().consumer(bean == null ? null : bean.getClassLoader(), spec.subject(),
                spec.queueGroup() != null ? spec.queueGroup()
                        : spec.jetStream() != null ? spec.jetStream().durable() : null);
        this.keyValue = spec.keyValue();
        this.kind = spec.listener();
        try {
            this.transacted = endpointFactory.isDeliveryTransacted(kind.method());
        } catch (NoSuchMethodException e) {
            throw new ResourceException("The endpoint does not implement " + kind.method(), e);
        }
    }

    /** Delivers {@code message} in its span, which is current until the message is settled. */
    void deliver(Message message, Endpoints endpoints) {
        deliver(List.of(message), endpoints);
    }

    /**
     * Delivers {@code messages} in one call: one message, or a batch listener's batch. A batch of
     * several that fails as a whole (the call threw, its transaction rolled back) is settled not
     * at all but delivered again one message at a time, at once, so that only the message that
     * fails alone fails (nak, dead letter) and the others are processed.
     */
    void deliver(List<Message> messages, Endpoints endpoints) {
        List<Message> again = deliverInSpan(messages, endpoints, messages.size() > 1);
        if (again.isEmpty()) {
            return;
        }
        LOG.log(Level.DEBUG, "NATS endpoint on {0}: a batch of {1} failed; delivering its messages one by one",
                activation.describe(), messages.size());
        for (int k = 0; k < again.size(); k++) {
            if (endpoints.stopping()) {
                again.subList(k, again.size()).forEach(giveBack); // redelivered to whoever consumes next
                return;
            }
            deliverInSpan(List.of(again.get(k)), endpoints, false);
        }
    }

    /**
     * @return what is to be delivered again one by one: the messages of a batch that failed as a
     *         whole (but those the endpoint terminated itself), else none
     */
    private List<Message> deliverInSpan(List<Message> messages, Endpoints endpoints, boolean retryOneByOne) {
        Tracing.DeliverySpan span = startSpan(messages.get(0));
        try {
            return deliver(messages, span, endpoints, retryOneByOne);
        } finally {
            try {
                span.close();
            } catch (RuntimeException | LinkageError e) {
                traceFailed(e);
            }
        }
    }

    /** @return the delivery's span; none when tracing fails: a message is never held up by it */
    private Tracing.DeliverySpan startSpan(Message message) {
        try {
            return tracing.start(message);
        } catch (RuntimeException | LinkageError e) {
            traceFailed(e);
            return Tracing.DeliverySpan.NONE;
        }
    }

    /** A transacted delivery's ack cannot wait for the whole transaction: said once per activation. */
    private void ackAtCommit() {
        if (activation.transactions() != null && ackAtCommitLogged.compareAndSet(false, true)) {
            LOG.log(System.Logger.Level.WARNING, "NATS endpoint on {0}: the server would not let the adapter wait for "
                    + "the end of a delivery''s transaction; deliveries are settled (a JetStream ack, a service reply) "
                    + "when their own resource commits, and a crash before the transaction''s other resources "
                    + "commit would lose the message (or have answered a request whose effects were not stored)",
                    activation.describe());
        }
    }

    /** What one delivery came to, for the settlement that follows it (or the transaction's). */
    private final class Outcome {
        final List<DeliveredMessage> delivered;
        final boolean retryOneByOne;
        /** What the endpoint threw (or made its result unusable), or beforeDelivery/afterDelivery failed. */
        volatile Throwable failure;
        /** A batch to be retried one by one failed: what is to be delivered again; nothing else of it settled. */
        volatile List<Message> again = List.of();
        /**
         * Closed by the first settlement: the delivery's own (or its transaction's), or the one
         * of a delivery that ran past {@code maxProcessingTime}, on the timer's work thread.
         */
        private final java.util.concurrent.atomic.AtomicBoolean settling = new java.util.concurrent.atomic.AtomicBoolean();

        Outcome(List<DeliveredMessage> delivered, boolean retryOneByOne) {
            this.delivered = delivered;
            this.retryOneByOne = retryOneByOne;
        }

        void committed() {
            if (!settling.compareAndSet(false, true)) {
                return; // settled as failed when it ran too long: what the bean did after counts no more
            }
            if (retryOneByOne && delivered.get(0).thrown() != null) {
                // The call threw and its transaction committed all the same (an exception that
                // keeps it): the messages after the one that threw were never processed, so none
                // is acked for it; each is delivered again alone.
                failedAsBatch(delivered.get(0).thrown());
                return;
            }
            delivered.forEach(d -> settle(d, null));
        }

        void failed(Throwable why) {
            if (!settling.compareAndSet(false, true)) {
                return;
            }
            if (retryOneByOne) {
                failedAsBatch(why);
                return;
            }
            delivered.forEach(d -> settle(d, why));
        }

        /**
         * The delivery ran past {@code maxProcessingTime}: each message is settled as failed now
         * (nak with backoff, or dead letter), while the bean still runs; never retried one by
         * one, since the worker is still in the call.
         *
         * @param claimed runs first when this settles it, before any message is settled (so a
         *        count it keeps is there before a redelivery can be seen)
         * @return whether this settled it (the delivery had not been settled yet)
         */
        boolean timedOut(Throwable why, Runnable claimed) {
            if (!settling.compareAndSet(false, true)) {
                return false;
            }
            try {
                claimed.run();
            } finally {
                delivered.forEach(d -> settle(d, why)); // whatever the count or the log does
            }
            return true;
        }

        private void failedAsBatch(Throwable why) {
            List<Message> retry = new ArrayList<>(delivered.size());
            for (DeliveredMessage d : delivered) {
                if (d.terminated()) {
                    settle(d, why); // the endpoint ended it: nothing more happens to it
                } else {
                    retry.add(d.message());
                }
            }
            again = retry;
        }
    }

    private List<Message> deliver(List<Message> messages, Tracing.DeliverySpan span, Endpoints endpoints,
                                  boolean retryOneByOne) {
        List<DeliveredMessage> delivered = new ArrayList<>(messages.size());
        for (Message m : messages) {
            delivered.add(new DeliveredMessage(m));
        }
        Outcome outcome = new Outcome(delivered, retryOneByOne);
        // A transacted delivery is settled by the transaction's outcome (commit: delivered;
        // rollback: failed, with the endpoint's exception as the reason when it threw one).
        SettlementXAResource settlement = transacted && activation.settlesInTransaction()
                ? new SettlementXAResource(activation.describe(), activation.transactions(), outcome::committed,
                        why -> outcome.failed(outcome.failure != null ? outcome.failure : new DeliveryRolledBack(why)),
                        this::ackAtCommit)
                : null;
        // A settling transaction binds its XAResource to the endpoint: one endpoint per delivery then.
        MessageEndpoint endpoint = settlement == null ? endpoints.reusable() : endpoints.create(settlement);
        if (endpoint == null) {
            try {
                activation.tracing().event("given_back", "messaging.nats.reason",
                        "no endpoint before the activation stopped");
            } catch (RuntimeException | LinkageError e) {
                traceFailed(e);
            }
            messages.forEach(giveBack);
            return List.of();
        }
        long started = monitor.deliveryStarted();
        DeliveryWatch watch = watch(messages, outcome, settlement);
        try {
            if (transacted) {
                endpoint.beforeDelivery(kind.method());
            }
            try {
                invoke(endpoint, delivered);
            } catch (Throwable e) { // an endpoint may throw anything; the subclass decides what follows
                outcome.failure = e;
                delivered.forEach(d -> d.thrown(e)); // a transaction may still commit (an exception that keeps it)
            }
            if (outcome.failure == null && kind == ListenerKind.REQUEST) {
                // A reply that cannot be sent must be known before the transaction completes,
                // so that the bean's staged work rolls back instead of committing unanswered.
                RuntimeException unsendable = activation.unsendable(delivered.get(0));
                if (unsendable != null) {
                    outcome.failure = unsendable;
                    delivered.get(0).thrown(unsendable);
                    if (transacted) {
                        rollbackOnly();
                    }
                }
            }
            if (Thread.interrupted()) {
                // The bean (or the container, for a slow delivery) interrupted this thread: that
                // ended the delivery, not the settlement (an ack fails on an interrupted thread)
                // nor the worker, which must keep the hand-off moving.
                LOG.log(Level.DEBUG, "NATS endpoint on {0}: a delivery left its thread interrupted; cleared",
                        activation.describe());
            }
            if (transacted) {
                endpoint.afterDelivery(); // commits or rolls back: the settlement resource acts
            }
        } catch (Throwable e) {
            if (outcome.failure == null) {
                outcome.failure = e; // beforeDelivery/afterDelivery failed
            }
        } finally {
            watch.close();
            if (settlement != null) {
                endpoints.release(endpoint); // the settlement below must happen whatever release does
            }
            monitor.deliveryEnded(started);
        }
        if (outcome.failure != null) {
            try {
                span.failed(outcome.failure);
            } catch (RuntimeException | LinkageError e) {
                traceFailed(e);
            }
        }
        if (settlement == null) {
            if (outcome.failure == null) {
                outcome.committed();
            } else {
                outcome.failed(outcome.failure);
            }
        } else {
            // The transaction should have settled it; when it did not (its outcome never reached
            // this resource), the delivery counts as failed: a nak, never an ack for work that
            // may have rolled back. Through the same once-only gate as the transaction's call.
            Throwable f = outcome.failure != null ? outcome.failure
                    : new DeliveryRolledBack("the transaction ended without settling the delivery");
            settlement.settleInstead(() -> outcome.failed(f));
        }
        return outcome.again;
    }

    /** @return the delivery's watch; none when it cannot be had (the delivery goes on, unwatched) */
    private DeliveryWatch watch(List<Message> messages, Outcome outcome, SettlementXAResource settlement) {
        try {
            return activation.watch(messages, why -> timedOut(outcome, settlement, why));
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "NATS endpoint on " + activation.describe() + ": could not watch a delivery's "
                    + "processing time; it runs without keep-alive", e);
            return DeliveryWatch.NONE;
        }
    }

    /**
     * A delivery ran past {@code maxProcessingTime} (on a work thread of the activation's timer):
     * it fails now, and its transaction, when it has one, may no longer commit.
     */
    private void timedOut(Outcome outcome, SettlementXAResource settlement, Throwable why) {
        if (settlement != null && !settlement.timedOut()) {
            return; // its transaction voted first: its outcome settles the delivery
        }
        outcome.timedOut(why, () -> {
            monitor.timedOut();
            LOG.log(Level.WARNING, "NATS endpoint on {0}: {1}; the bean still runs, and what it does from here on "
                    + "does not settle the message", activation.describe(), why.getMessage());
        });
    }

    /** Calls the endpoint's listener method. */
    private void invoke(MessageEndpoint endpoint, List<DeliveredMessage> delivered) {
        switch (kind) {
            case REQUEST -> delivered.get(0).returned(((NatsServiceListener) endpoint).onRequest(delivered.get(0)));
            case CHANGE -> ((NatsKeyValueListener) endpoint).onChange(new KeyValueChange(keyValue, delivered.get(0)));
            case BATCH -> ((NatsBatchListener) endpoint).onMessages(java.util.Collections.unmodifiableList(delivered));
            case MESSAGE -> ((NatsMessageListener) endpoint).onMessage(delivered.get(0));
        }
    }

    /** Marks the delivery's transaction rollback-only, through the server's registry when there is one. */
    private void rollbackOnly() {
        jakarta.transaction.TransactionSynchronizationRegistry tsr = activation.transactions();
        if (tsr == null) {
            return; // outside a server: the settlement sees the failure and answers it
        }
        try {
            tsr.setRollbackOnly();
        } catch (RuntimeException e) {
            LOG.log(Level.DEBUG, "NATS endpoint on {0}: no transaction to mark rollback-only ({1})",
                    activation.describe(), e.toString());
        }
    }

    /** Settles a delivery once: nothing when the endpoint terminated it, else delivered or failed. */
    private void settle(DeliveredMessage delivered, Throwable failure) {
        if (failure == null) {
            monitor.succeeded();
        } else {
            monitor.failed();
        }
        try {
            if (delivered.terminated()) {
                monitor.terminated();
                activation.settledByEndpoint(delivered.message());
            } else if (failure == null) {
                activation.delivered(delivered);
            } else {
                activation.failed(delivered, failure);
            }
        } catch (RuntimeException e) {
            // E.g. an ack on a connection that closed meanwhile: the server redelivers after ackWait.
            LOG.log(Level.WARNING, "NATS endpoint on " + activation.describe() + ": could not settle a message on '"
                    + delivered.subject() + "' (" + e + "); a JetStream message is redelivered after ackWait", e);
        }
    }

    /** Tracing failed (an application's span processor threw, say): logged once, deliveries go on. */
    private void traceFailed(Throwable e) {
        if (!traceFailureLogged) {
            traceFailureLogged = true;
            LOG.log(Level.WARNING, "NATS endpoint on " + activation.describe() + ": tracing a delivery failed; "
                    + "deliveries go on (further failures are not logged)", e);
        }
    }
}
