package dev.natsjca.inbound;

import java.lang.System.Logger.Level;

import dev.natsjca.inbound.selector.Selector;
import dev.natsjca.monitoring.ActivationMonitor;
import io.nats.client.Message;

/**
 * Which received messages an activation with a selector delivers: those the selector matches.
 * What it skips is counted, and the first one logged (INFO), so a selector that names a header
 * nobody sends shows itself. Runs on the client's dispatcher thread; a selector that failed on a
 * message (it should not) lets the message through rather than stop the dispatcher.
 */
final class Selection {

    private static final System.Logger LOG = EndpointActivation.LOG;

    private final Selector selector;
    private final String owner;
    private final ActivationMonitor monitor;
    private volatile boolean skippedOne;

    Selection(Selector selector, String owner, ActivationMonitor monitor) {
        this.selector = selector;
        this.owner = owner;
        this.monitor = monitor;
    }

    /** @return whether {@code message} is to be delivered; a skipped one is counted */
    boolean delivers(Message message) {
        if (matches(message)) {
            return true;
        }
        monitor.filtered();
        if (!skippedOne) {
            skippedOne = true;
            LOG.log(Level.INFO, "{0}: the first message the selector [{1}] does not match (on ''{2}'') is {3}; the "
                    + "count is in the activation''s status (Filtered)", owner, selector.text(), message.getSubject(),
                    message.isJetStream() ? "acknowledged without delivery" : "not delivered");
        }
        return false;
    }

    private boolean matches(Message message) {
        try {
            return selector.matches(message.getSubject(), message.getHeaders());
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, owner + ": the selector failed on a message on '" + message.getSubject()
                    + "'; it is delivered", e);
            return true;
        }
    }
}
