package dev.natsjca.bench;

import java.lang.reflect.Method;

import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;

import dev.natsjca.api.NatsMessage;
import dev.natsjca.testing.TestXid;
import dev.natsjca.api.NatsMessageListener;
import jakarta.resource.spi.endpoint.MessageEndpoint;
import jakarta.resource.spi.endpoint.MessageEndpointFactory;

/**
 * The leanest endpoint factory that still honours the contract: what the adapter's own delivery
 * path costs without an EJB container. Each {@code onMessage} records its latency in the current
 * round's {@link Samples}. Transacted, it drives the delivery's XAResource like a container with
 * one-phase commit.
 */
final class BenchEndpointFactory implements MessageEndpointFactory {

    private final String name;
    private final boolean transacted;
    private final Class<?> endpointClass;
    private volatile Samples samples = new Samples(0);

    BenchEndpointFactory(String name, boolean transacted) {
        this(name, transacted, null);
    }

    /**
     * @param endpointClass what {@link #getEndpointClass()} reports (the adapter finds the
     *        application's OpenTelemetry through its class loader), or {@code null}: the endpoint's own
     */
    BenchEndpointFactory(String name, boolean transacted, Class<?> endpointClass) {
        this.name = name;
        this.transacted = transacted;
        this.endpointClass = endpointClass;
    }

    void samples(Samples s) {
        samples = s;
    }

    /** Endpoints that answer: each request's data comes back as the reply (an echo service). */
    BenchEndpointFactory answering() {
        answering = true;
        return this;
    }

    private volatile boolean answering;

    @Override
    public MessageEndpoint createEndpoint(XAResource xa) {
        return answering ? new Echo(xa) : new Endpoint(xa);
    }

    @Override
    public MessageEndpoint createEndpoint(XAResource xa, long timeout) {
        return createEndpoint(xa);
    }

    @Override
    public boolean isDeliveryTransacted(Method method) {
        return transacted;
    }

    @Override
    public String getActivationName() {
        return name;
    }

    @Override
    public Class<?> getEndpointClass() {
        return endpointClass != null ? endpointClass : answering ? Echo.class : Endpoint.class;
    }

    private final class Echo extends Endpoint implements dev.natsjca.api.NatsServiceListener {
        Echo(XAResource xa) {
            super(xa);
        }

        @Override
        public dev.natsjca.api.NatsReply onRequest(NatsMessage request) {
            return dev.natsjca.api.NatsReply.of(request.data());
        }
    }

    private class Endpoint implements MessageEndpoint, NatsMessageListener {
        private final XAResource xa;
        private Xid xid;

        Endpoint(XAResource xa) {
            this.xa = xa;
        }

        @Override
        public void onMessage(NatsMessage message) {
            samples.arrived(message.headers().getFirst(Samples.SENT_HEADER));
        }

        @Override
        public void beforeDelivery(Method method) {
            if (xa != null) {
                xid = new TestXid();
                try {
                    xa.start(xid, XAResource.TMNOFLAGS);
                } catch (XAException e) {
                    throw new IllegalStateException(e);
                }
            }
        }

        @Override
        public void afterDelivery() {
            if (xa != null) {
                try {
                    xa.end(xid, XAResource.TMSUCCESS);
                    xa.commit(xid, true);
                } catch (XAException e) {
                    throw new IllegalStateException(e);
                }
            }
        }

        @Override
        public void release() {
        }
    }
}
