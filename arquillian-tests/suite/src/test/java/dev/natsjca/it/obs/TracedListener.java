package dev.natsjca.it.obs;

import dev.natsjca.api.NatsMessage;
import dev.natsjca.api.NatsMessageListener;
import jakarta.ejb.ActivationConfigProperty;
import jakarta.ejb.MessageDriven;

/** Receives what {@link ObsBean#tracedPublish} sends; its consumer span is what the trace test looks for. */
@MessageDriven(messageListenerInterface = NatsMessageListener.class, activationConfig = {
        @ActivationConfigProperty(propertyName = "subject", propertyValue = "obs.traced") })
public class TracedListener implements NatsMessageListener {

    @Override
    public void onMessage(NatsMessage message) {
        // the delivery itself is what is traced
    }
}
