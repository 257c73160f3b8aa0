package dev.natsjca.inbound;

import java.lang.reflect.Method;
import java.util.List;

import dev.natsjca.api.NatsBatchListener;
import dev.natsjca.api.NatsKeyValueChange;
import dev.natsjca.api.NatsKeyValueListener;
import dev.natsjca.api.NatsMessage;
import dev.natsjca.api.NatsMessageListener;
import dev.natsjca.api.NatsServiceListener;
import jakarta.resource.spi.InvalidPropertyException;
import jakarta.resource.spi.endpoint.MessageEndpointFactory;

/**
 * The listener interface a message-driven bean implements: it decides the method each delivery
 * calls and which activation properties apply (a service's, a batch's, a watch's). Decided once,
 * from the bean's class, when the bean is activated ({@link #of}); carried in
 * {@link ResolvedActivation#listener()}.
 */
public enum ListenerKind {

    /** {@link NatsMessageListener}: one message per call. */
    MESSAGE(NatsMessageListener.class, "onMessage", NatsMessage.class),
    /** {@link NatsBatchListener}: the messages waiting, up to a batch, per call. */
    BATCH(NatsBatchListener.class, "onMessages", List.class),
    /** {@link NatsServiceListener}: answers each request with what it returns. */
    REQUEST(NatsServiceListener.class, "onRequest", NatsMessage.class),
    /** {@link NatsKeyValueListener}: one change of a key-value bucket per call. */
    CHANGE(NatsKeyValueListener.class, "onChange", NatsKeyValueChange.class);

    private final Class<?> listener;
    private final Method method;

    ListenerKind(Class<?> listener, String method, Class<?> parameter) {
        this.listener = listener;
        try {
            this.method = listener.getMethod(method, parameter);
        } catch (NoSuchMethodException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** @return the listener method a delivery calls */
    public Method method() {
        return method;
    }

    /**
     * @return the kind the properties imply, for a server that does not tell the bean's class:
     *         a service's name answers, a bucket watches, batch settings batch
     */
    static ListenerKind implied(Object service, BatchSettings batch, Object keyValue) {
        return service != null ? REQUEST : keyValue != null ? CHANGE : batch != null ? BATCH : MESSAGE;
    }

    /**
     * @return the bean's class, or {@code null} from a server on an older Connectors version
     *         (the activation's properties decide then)
     */
    public static Class<?> beanClass(MessageEndpointFactory factory) {
        try {
            return factory.getEndpointClass();
        } catch (RuntimeException | AbstractMethodError e) {
            return null;
        }
    }

    /**
     * @return the listener the bean's class implements, checked against the properties only
     *         another kind takes; without the class, the kind the properties imply
     * @throws InvalidPropertyException naming the property and its value when they do not go
     *         with the bean: batch settings on a bean that takes single messages, a bucket on
     *         one that takes no changes (or none on one that does), a service name on one that
     *         does not answer, an answering bean on a stream, a bean that answers and also
     *         batches or takes changes
     */
    public static ListenerKind of(MessageEndpointFactory factory, ResolvedActivation resolved)
            throws InvalidPropertyException {
        Class<?> bean = beanClass(factory);
        if (bean == null) {
            ListenerKind kind = resolved.listener();
            refuseAnswersFromStream(kind, null, resolved);
            return kind;
        }
        boolean batches = BATCH.listener.isAssignableFrom(bean);
        boolean answers = REQUEST.listener.isAssignableFrom(bean);
        boolean takesChanges = CHANGE.listener.isAssignableFrom(bean);
        if (answers && (batches || takesChanges)) {
            Class<?> other = batches ? NatsBatchListener.class : NatsKeyValueListener.class;
            throw new InvalidPropertyException("The message-driven bean " + bean.getName() + " implements both "
                    + other.getSimpleName() + " and " + NatsServiceListener.class.getSimpleName() + "; a bean "
                    + (batches ? "takes batches" : "takes a bucket's changes") + " or answers requests");
        }
        if (!batches && resolved.batch() != null) {
            throw new InvalidPropertyException("Invalid value for property 'maxBatchSize': the message-driven bean "
                    + bean.getName() + " does not implement " + NatsBatchListener.class.getName()
                    + " (maxBatchSize and maxBatchWait apply to beans that take batches)");
        }
        if (takesChanges && resolved.keyValue() == null) {
            throw new InvalidPropertyException("Invalid value for property 'bucket': none: the message-driven bean "
                    + bean.getName() + " implements " + NatsKeyValueListener.class.getSimpleName()
                    + "; name the key-value bucket it watches");
        }
        if (!takesChanges && resolved.keyValue() != null) {
            throw new InvalidPropertyException("Invalid value for property 'bucket': '" + resolved.keyValue().bucket()
                    + "': the message-driven bean " + bean.getName() + " does not implement "
                    + NatsKeyValueListener.class.getName() + ", which receives a bucket's changes");
        }
        if (!answers && resolved.service() != null) {
            throw new InvalidPropertyException("Invalid value for property 'serviceName': '" + resolved.service().name()
                    + "': the message-driven bean " + bean.getName() + " does not implement "
                    + NatsServiceListener.class.getName() + ", whose method returns the reply");
        }
        ListenerKind kind = answers ? REQUEST : takesChanges ? CHANGE : batches ? BATCH : MESSAGE;
        refuseAnswersFromStream(kind, bean, resolved);
        return kind;
    }

    private static void refuseAnswersFromStream(ListenerKind kind, Class<?> bean, ResolvedActivation resolved)
            throws InvalidPropertyException {
        if (kind == REQUEST && resolved.jetStream() != null) {
            throw new InvalidPropertyException("Invalid value for property 'stream': '" + resolved.jetStream().stream()
                    + "': the message-driven bean " + (bean == null ? "" : bean.getName() + " ") + "answers requests "
                    + "(" + NatsServiceListener.class.getSimpleName() + "), which arrive on core NATS, not from a stream");
        }
    }
}
