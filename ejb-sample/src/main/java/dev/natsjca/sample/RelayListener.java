package dev.natsjca.sample;

import dev.natsjca.api.NatsMessage;
import dev.natsjca.api.NatsMessageListener;
import io.nats.client.impl.Headers;
import jakarta.ejb.ActivationConfigProperty;
import jakarta.ejb.EJB;
import jakarta.ejb.MessageDriven;

/**
 * Republishes each message it receives, through the injected connection factory, to the subject
 * named in its {@value SampleSubjects#RELAY_TO} header, keeping payload and the other headers.
 * Lets any NATS client make the application publish.
 */
@MessageDriven(messageListenerInterface = NatsMessageListener.class, activationConfig = {
        @ActivationConfigProperty(propertyName = "subject", propertyValue = SampleSubjects.RELAY) })
public class RelayListener implements NatsMessageListener {

    private static final System.Logger LOG = System.getLogger(RelayListener.class.getName());

    @EJB
    private Publisher publisher;

    @Override
    public void onMessage(NatsMessage message) {
        String target = message.headers().getFirst(SampleSubjects.RELAY_TO);
        if (target == null) {
            LOG.log(System.Logger.Level.WARNING, "Relay request on {0} without a {1} header; ignored",
                    message.subject(), SampleSubjects.RELAY_TO);
            return;
        }
        Headers forwarded = new Headers(message.headers(), false, new String[] {SampleSubjects.RELAY_TO});
        publisher.publish(target, forwarded, message.data());
    }
}
