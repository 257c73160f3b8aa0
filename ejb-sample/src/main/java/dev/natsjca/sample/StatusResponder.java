package dev.natsjca.sample;

import dev.natsjca.api.NatsMessage;
import dev.natsjca.api.NatsReply;
import dev.natsjca.api.NatsServiceListener;
import dev.natsjca.leader.Leadership;
import jakarta.ejb.ActivationConfigProperty;
import jakarta.ejb.EJB;
import jakarta.ejb.MessageDriven;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;
import jakarta.json.Json;
import jakarta.json.JsonObjectBuilder;

/**
 * Answers core requests on {@value SampleSubjects#STATUS} with
 * {@code {"node":…,"leader":true|false,"token":…|null,"audited":…}}: the {@code status} endpoint
 * of NATS service {@value SampleSubjects#SERVICE}, discoverable through {@code $SRV.PING|INFO|STATS}.
 * Shared by all instances in queue group {@value SampleSubjects#STATUS_QUEUE}, so one request
 * gets one answer. No transaction: the reply leaves at once.
 */
@MessageDriven(messageListenerInterface = NatsServiceListener.class, activationConfig = {
        @ActivationConfigProperty(propertyName = "subject", propertyValue = SampleSubjects.STATUS),
        @ActivationConfigProperty(propertyName = "queueGroup", propertyValue = SampleSubjects.STATUS_QUEUE),
        @ActivationConfigProperty(propertyName = "serviceName", propertyValue = SampleSubjects.SERVICE),
        @ActivationConfigProperty(propertyName = "serviceVersion", propertyValue = SampleSubjects.SERVICE_VERSION),
        @ActivationConfigProperty(propertyName = "serviceDescription",
                propertyValue = "The nats-jca sample: orders, audit, leader election"),
        @ActivationConfigProperty(propertyName = "endpointName", propertyValue = "status"),
        @ActivationConfigProperty(propertyName = "connectionName", propertyValue = "sample status") })
@TransactionAttribute(TransactionAttributeType.NOT_SUPPORTED)
public class StatusResponder implements NatsServiceListener {

    @EJB
    private LeaderTimer leaderTimer;

    @EJB
    private AuditCounter counter;

    @Override
    public NatsReply onRequest(NatsMessage request) {
        Leadership leadership = leaderTimer.leadership();
        boolean leader = leadership != null && leadership.isLeader();
        JsonObjectBuilder status = Json.createObjectBuilder().add("node", Node.NAME).add("leader", leader);
        if (leader) {
            status.add("token", leadership.token());
        } else {
            status.addNull("token");
        }
        return NatsReply.of(status.add("audited", counter.audited()).build().toString());
    }
}
