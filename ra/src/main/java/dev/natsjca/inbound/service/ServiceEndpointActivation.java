package dev.natsjca.inbound.service;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Timer;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.natsjca.api.NatsReply;
import dev.natsjca.api.NatsServiceException;
import dev.natsjca.config.ConnectionSettings;
import dev.natsjca.inbound.DeliveredMessage;
import dev.natsjca.inbound.DeliveryRolledBack;
import dev.natsjca.inbound.ResolvedActivation;
import dev.natsjca.inbound.core.CoreSubscriptionActivation;
import dev.natsjca.monitoring.ActivationMonitor;
import dev.natsjca.monitoring.Tracing;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.MessageHandler;
import jakarta.resource.ResourceException;
import jakarta.resource.spi.endpoint.MessageEndpointFactory;
import jakarta.resource.spi.work.WorkManager;

/**
 * An activation of a {@code NatsServiceListener} bean: requests arrive on a core subscription
 * (in the endpoint's queue group), and what the bean returns is sent to the reply subject — at
 * once, or, when the bean runs in a container-managed transaction, once that transaction has
 * committed (after every resource, so after the bean's staged publishes). A bean that throws, or
 * whose transaction does not commit, answers with a service error instead of silence: the code
 * and description of its {@link NatsServiceException}, else 500. A request the activation took
 * but could not deliver (it stops) is answered 503. With a service name the activation is an
 * endpoint of that service ({@link ServiceInstance}) and counts each request in its statistics.
 */
public final class ServiceEndpointActivation extends CoreSubscriptionActivation {

    /** The code of an error that is not the bean's own {@link NatsServiceException}. */
    static final int INTERNAL_ERROR = 500;
    /** The code of a request taken but not delivered: the endpoint is stopping; asking again reaches another. */
    static final int UNAVAILABLE = 503;

    private final ServiceInstance.Endpoint endpoint;
    private final AtomicBoolean noReplySubjectLogged = new AtomicBoolean();

    /**
     * @param endpoint the endpoint in its service, or {@code null} (a bean that answers, not discoverable)
     * @throws ResourceException when the endpoint does not implement the listener interface
     */
    public ServiceEndpointActivation(MessageEndpointFactory endpointFactory, ResolvedActivation spec,
                                     ConnectionSettings settings, WorkManager workManager, Timer timer,
                                     ActivationMonitor monitor, Tracing tracing, ServiceInstance.Endpoint endpoint)
            throws ResourceException {
        super(endpointFactory, spec, settings, workManager, timer, monitor, tracing);
        this.endpoint = endpoint;
    }

    /** The reply waits for the transaction's outcome: sent when it committed, an error otherwise. */
    @Override
    protected boolean settlesInTransaction() {
        return true;
    }

    @Override
    protected void consume(Connection connection, MessageHandler handler) {
        super.consume(connection, handler);
        if (endpoint != null) {
            endpoint.consuming(connection);
        }
    }

    @Override
    protected void stopConsuming(Duration flush) {
        if (endpoint != null) {
            endpoint.notConsuming();
        }
        super.stopConsuming(flush);
    }

    @Override
    protected void stopping() {
        if (endpoint != null) {
            endpoint.leave();
        }
    }

    /**
     * A request taken but not delivered (the endpoint stops): answered 503 so the requester asks
     * again at once; one without a reply subject is dropped, and counted as core NATS counts it.
     */
    @Override
    protected void notTaken(Message message) {
        if (message.getReplyTo() == null) {
            super.notTaken(message);
            return;
        }
        if (endpoint != null) {
            endpoint.failed(0, UNAVAILABLE + ": the service endpoint is stopping");
        }
        sendError(message.getReplyTo(), UNAVAILABLE, "the service endpoint is stopping; ask again");
    }

    /** A reply over the server's {@code max_payload}: known before the bean's transaction completes. */
    @Override
    protected RuntimeException unsendable(DeliveredMessage delivery) {
        Connection c = connection();
        if (delivery.replyTo() == null || c == null || !(delivery.returned() instanceof NatsReply reply)) {
            return null;
        }
        Message m = ServiceReplies.reply(delivery.replyTo(), reply);
        long size = (long) m.getData().length + (m.getHeaders() == null ? 0 : m.getHeaders().serializedLength());
        long max = c.getMaxPayload();
        return max > 0 && size > max ? new UnsendableReply("the reply is " + size + " bytes with its headers, over "
                + "the server's max_payload of " + max) : null;
    }

    @Override
    protected void delivered(DeliveredMessage delivery) {
        if (delivery.thrown() != null) {
            // It threw, and its transaction committed all the same (an application exception that
            // keeps it): the bean's effects are stored, but its answer is the error.
            failed(delivery, delivery.thrown());
            return;
        }
        String replyTo = delivery.replyTo();
        long nanos = System.nanoTime() - delivery.startedNanos();
        if (replyTo == null) {
            noReplySubject(delivery);
            if (endpoint != null) {
                endpoint.answered(nanos);
            }
            return;
        }
        Object returned = delivery.returned();
        NatsReply reply = returned instanceof NatsReply r ? r : NatsReply.empty();
        if (endpoint != null) {
            endpoint.answered(nanos);
        }
        try {
            send(ServiceReplies.reply(replyTo, reply));
        } catch (RuntimeException e) {
            // Refused by jnats (the connection closed for good): the requester hears why if it can.
            String why = "the reply could not be sent: " + e.getMessage();
            LOG.log(Level.WARNING, "NATS endpoint on " + describe() + ": " + why + " (" + reply + ")", e);
            if (endpoint != null) {
                endpoint.unsent(INTERNAL_ERROR + ": " + why);
            }
            sendError(replyTo, INTERNAL_ERROR, why);
        }
    }

    /**
     * Publishes on the activation's connection; jnats silently drops what an interrupted thread
     * writes (a commit may leave the flag set on purpose), so the flag waits until it is sent.
     */
    private void send(Message m) {
        Connection c = connection();
        if (c == null) {
            throw new IllegalStateException("no connection");
        }
        boolean interrupted = Thread.interrupted();
        try {
            c.publish(m);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    protected void failed(DeliveredMessage delivery, Throwable failure) {
        long nanos = System.nanoTime() - delivery.startedNanos();
        NatsServiceException own = serviceException(failure);
        int code = own != null ? own.code() : INTERNAL_ERROR;
        String description = own != null ? own.getMessage()
                : failure instanceof DeliveryRolledBack || failure instanceof UnsendableReply ? failure.getMessage()
                : "the request failed (" + failure.getClass().getName() + ")";
        if (own != null) {
            LOG.log(Level.DEBUG, "NATS endpoint on {0}: answered error {1} ({2})", describe(), code, description);
        } else if (failure instanceof DeliveryRolledBack || failure instanceof UnsendableReply) {
            // The bean asked for it, or a resource refused the commit (which logged why).
            LOG.log(Level.INFO, "NATS endpoint on {0}: a request on subject ''{1}'' answered error {2}: {3}",
                    describe(), delivery.subject(), code, description);
        } else {
            LOG.log(Level.WARNING, "NATS endpoint on " + describe() + " failed on a request on subject '"
                    + delivery.subject() + "'; answered error " + code, failure);
        }
        if (endpoint != null) {
            endpoint.failed(nanos, code + ": " + ServiceReplies.headerValue(description));
        }
        if (delivery.replyTo() != null) {
            sendError(delivery.replyTo(), code, description);
        } else {
            noReplySubject(delivery);
        }
    }

    /** @return the bean's own service error, possibly wrapped by the container (a cause chain, cycles ended) */
    static NatsServiceException serviceException(Throwable failure) {
        java.util.Set<Throwable> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (Throwable t = failure; t != null && seen.add(t); t = t.getCause()) {
            if (t instanceof NatsServiceException s) {
                return s;
            }
        }
        return null;
    }

    /** Why a reply could not be sent, found while the bean's transaction could still roll back. */
    static final class UnsendableReply extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UnsendableReply(String why) {
            super(why);
        }
    }

    private void sendError(String replyTo, int code, String description) {
        try {
            send(ServiceReplies.error(replyTo, code, description));
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "NATS endpoint on {0}: the error reply {1} could not be sent ({2}); the "
                    + "requester times out", describe(), code, e.toString());
        }
    }

    private void noReplySubject(DeliveredMessage delivery) {
        if (noReplySubjectLogged.compareAndSet(false, true)) {
            LOG.log(Level.INFO, "NATS endpoint on {0}: a request on subject ''{1}'' came without a reply subject; "
                    + "it is processed and its reply dropped (logged once)", describe(), delivery.subject());
        }
    }
}
