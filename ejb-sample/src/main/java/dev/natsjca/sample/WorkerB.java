package dev.natsjca.sample;

import dev.natsjca.api.NatsMessage;
import dev.natsjca.api.NatsMessageListener;
import jakarta.ejb.ActivationConfigProperty;
import jakarta.ejb.EJB;
import jakarta.ejb.MessageDriven;

/**
 * One of two competing consumers of {@value SampleSubjects#WORK} in queue group
 * {@value SampleSubjects#WORKERS_QUEUE}: each work item goes to one worker only.
 */
@MessageDriven(messageListenerInterface = NatsMessageListener.class, activationConfig = {
        @ActivationConfigProperty(propertyName = "subject", propertyValue = SampleSubjects.WORK),
        @ActivationConfigProperty(propertyName = "queueGroup", propertyValue = SampleSubjects.WORKERS_QUEUE),
        @ActivationConfigProperty(propertyName = "maxConcurrency", propertyValue = "2") })
public class WorkerB extends Worker implements NatsMessageListener {

    @EJB
    private Publisher publisher;

    @Override
    public void onMessage(NatsMessage message) {
        process(message);
    }

    @Override
    Publisher publisher() {
        return publisher;
    }

    @Override
    String name() {
        return "B";
    }
}
