package dev.natsjca.inbound;

import java.lang.System.Logger.Level;
import java.util.Timer;

import dev.natsjca.config.ConnectionSettings;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import io.nats.client.MessageHandler;
import jakarta.resource.ResourceException;
import jakarta.resource.spi.endpoint.MessageEndpointFactory;
import jakarta.resource.spi.work.WorkManager;

/**
 * An activation on a core NATS subject, in a queue group when configured. Core NATS is
 * at-most-once: a message whose delivery fails is logged and gone.
 */
public final class CoreSubscriptionActivation extends EndpointActivation {

    private Dispatcher dispatcher;

    CoreSubscriptionActivation(MessageEndpointFactory endpointFactory, ResolvedActivation spec,
                               ConnectionSettings settings, WorkManager workManager, Timer timer)
            throws ResourceException {
        super(endpointFactory, spec, settings, workManager, timer);
    }

    @Override
    void consume(Connection connection, MessageHandler handler) {
        dispatcher = connection.createDispatcher(handler);
        if (spec.queueGroup() == null) {
            dispatcher.subscribe(spec.subject());
        } else {
            dispatcher.subscribe(spec.subject(), spec.queueGroup());
        }
    }

    @Override
    void stopConsuming() {
        connection().closeDispatcher(dispatcher); // unsubscribes
    }

    @Override
    boolean settlesInTransaction() {
        return false;
    }

    @Override
    void notTaken(Message message) {
    }

    @Override
    void delivered(Message message) {
    }

    @Override
    void failed(Message message, Throwable failure) {
        LOG.log(Level.WARNING, "NATS endpoint on " + spec.describe() + " failed on a message on subject '"
                + message.getSubject() + "'; core NATS is at-most-once, the message is not redelivered", failure);
    }
}
