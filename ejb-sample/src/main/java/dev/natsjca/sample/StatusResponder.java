package dev.natsjca.sample;

import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;

import dev.natsjca.api.NatsMessage;
import dev.natsjca.api.NatsMessageListener;
import dev.natsjca.leader.Leadership;
import jakarta.ejb.ActivationConfigProperty;
import jakarta.ejb.EJB;
import jakarta.ejb.MessageDriven;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;

/**
 * Answers core requests on {@value SampleSubjects#STATUS} with
 * {@code {"node":…,"leader":true|false,"token":…|null,"audited":…}}. Shared by all instances in
 * queue group {@value SampleSubjects#STATUS_QUEUE}, so one request gets one answer. No
 * transaction: the reply leaves at once.
 */
@MessageDriven(messageListenerInterface = NatsMessageListener.class, activationConfig = {
        @ActivationConfigProperty(propertyName = "subject", propertyValue = SampleSubjects.STATUS),
        @ActivationConfigProperty(propertyName = "queueGroup", propertyValue = SampleSubjects.STATUS_QUEUE),
        @ActivationConfigProperty(propertyName = "connectionName", propertyValue = "sample status") })
@TransactionAttribute(TransactionAttributeType.NOT_SUPPORTED)
public class StatusResponder implements NatsMessageListener {

    private static final System.Logger LOG = System.getLogger(StatusResponder.class.getName());

    @EJB
    private LeaderTimer leaderTimer;

    @EJB
    private AuditCounter counter;

    @EJB
    private Publisher publisher;

    @Override
    public void onMessage(NatsMessage message) {
        if (message.replyTo() == null) {
            LOG.log(Level.DEBUG, "Status request without a reply subject ignored");
            return;
        }
        Leadership leadership = leaderTimer.leadership();
        boolean leader = leadership != null && leadership.isLeader();
        String status = "{\"node\":\"" + Json.escape(Node.NAME) + "\",\"leader\":" + leader
                + ",\"token\":" + (leader ? Long.toString(leadership.token()) : "null")
                + ",\"audited\":" + counter.audited() + "}";
        publisher.publish(message.replyTo(), null, status.getBytes(StandardCharsets.UTF_8));
    }
}
