package dev.natsjca.api;

/**
 * The message-listener interface of message-driven beans that answer requests: what
 * {@link #onRequest} returns is sent to the request's reply subject. With activation property
 * {@code serviceName} the bean is an endpoint of a NATS service (the service protocol: it answers
 * {@code $SRV.PING}, {@code $SRV.INFO} and {@code $SRV.STATS}), discoverable by every NATS client.
 *
 * <pre>{@code
 * @MessageDriven(messageListenerInterface = NatsServiceListener.class, activationConfig = {
 *     @ActivationConfigProperty(propertyName = "subject", propertyValue = "orders.quote"),
 *     @ActivationConfigProperty(propertyName = "serviceName", propertyValue = "orders"),
 *     @ActivationConfigProperty(propertyName = "serviceVersion", propertyValue = "1.0.0") })
 * public class QuoteService implements NatsServiceListener {
 *     public NatsReply onRequest(NatsMessage request) {
 *         return NatsReply.of(quote(request.payload(QuoteRequest.class)));
 *     }
 * }
 * }</pre>
 *
 * <p>In a container-managed transaction the reply leaves when the transaction has committed,
 * after the bean's staged publishes; when it rolls back, or the bean throws, the requester gets
 * a service error reply instead ({@code Nats-Service-Error}, {@code Nats-Service-Error-Code}):
 * the code and description of a {@link NatsServiceException}, else 500.
 */
public interface NatsServiceListener {

    /**
     * Called once per request, on a thread of the server's work manager.
     *
     * @param request the request; valid only for the duration of the call
     * @return the reply; {@code null} sends an empty one
     * @throws NatsServiceException to answer with an error of the bean's choosing
     */
    NatsReply onRequest(NatsMessage request);
}
