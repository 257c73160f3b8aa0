package dev.natsjca.testing;

import java.lang.reflect.Method;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import javax.transaction.xa.XAResource;

import dev.natsjca.api.NatsMessage;
import dev.natsjca.api.NatsMessageListener;
import jakarta.resource.spi.UnavailableException;
import jakarta.resource.spi.endpoint.MessageEndpoint;
import jakarta.resource.spi.endpoint.MessageEndpointFactory;

/**
 * A {@link MessageEndpointFactory} standing in for the EJB container: each endpoint records what
 * it receives (subject, data, headers, the thread) and runs a configurable behaviour.
 */
public final class TestEndpointFactory implements MessageEndpointFactory {

    /** One received message, as the endpoint saw it during {@code onMessage}. */
    public record Received(String subject, byte[] data, io.nats.client.impl.Headers headers, String thread) {
    }

    private final String name;
    private final Consumer<NatsMessage> behaviour;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();
    private final AtomicInteger created = new AtomicInteger();
    private final AtomicInteger released = new AtomicInteger();
    private volatile int unavailableBudget;

    /**
     * @param name the activation name
     * @param behaviour runs inside {@code onMessage}, after the message is recorded
     */
    public TestEndpointFactory(String name, Consumer<NatsMessage> behaviour) {
        this.name = name;
        this.behaviour = behaviour;
    }

    public TestEndpointFactory(String name) {
        this(name, m -> { });
    }

    /** The next {@code n} calls to {@code createEndpoint} throw {@link UnavailableException}, like an exhausted pool. */
    public void failNextCreates(int n) {
        unavailableBudget = n;
    }

    public List<Received> received() {
        return received;
    }

    public int maxInFlight() {
        return maxInFlight.get();
    }

    public int inFlight() {
        return inFlight.get();
    }

    public int created() {
        return created.get();
    }

    public int released() {
        return released.get();
    }

    @Override
    public MessageEndpoint createEndpoint(XAResource xaResource) throws UnavailableException {
        return createEndpoint(xaResource, 0);
    }

    @Override
    public MessageEndpoint createEndpoint(XAResource xaResource, long timeout) throws UnavailableException {
        if (unavailableBudget > 0) {
            unavailableBudget--;
            throw new UnavailableException("test: no endpoint available");
        }
        created.incrementAndGet();
        return new Endpoint();
    }

    @Override
    public boolean isDeliveryTransacted(Method method) {
        return false;
    }

    @Override
    public String getActivationName() {
        return name;
    }

    @Override
    public Class<?> getEndpointClass() {
        return Endpoint.class;
    }

    private final class Endpoint implements MessageEndpoint, NatsMessageListener {
        private boolean isReleased;

        @Override
        public void onMessage(NatsMessage message) {
            if (isReleased) {
                throw new IllegalStateException("endpoint used after release");
            }
            int now = inFlight.incrementAndGet();
            maxInFlight.accumulateAndGet(now, Math::max);
            try {
                received.add(new Received(message.subject(), message.data(), message.headers(),
                        Thread.currentThread().getName()));
                behaviour.accept(message);
            } finally {
                inFlight.decrementAndGet();
            }
        }

        @Override
        public void beforeDelivery(Method method) {
        }

        @Override
        public void afterDelivery() {
        }

        @Override
        public void release() {
            isReleased = true;
            released.incrementAndGet();
        }
    }
}
