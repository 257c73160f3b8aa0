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
    private volatile int brokenBudget;
    private final AtomicInteger failingReleases = new AtomicInteger();
    private volatile java.util.function.Predicate<NatsMessage> outcomeLostWhen = m -> false;
    private volatile boolean transacted;
    private volatile java.util.function.Predicate<NatsMessage> rollbackWhen = m -> false;

    /**
     * Makes deliveries transacted the way a container does for a CMT (REQUIRED) MDB: the
     * XAResource given to createEndpoint joins a transaction started in beforeDelivery and
     * completed in afterDelivery, rolled back when onMessage threw or {@code rollbackWhen} says so.
     */
    public void transacted(java.util.function.Predicate<NatsMessage> rollbackWhen) {
        this.transacted = true;
        this.rollbackWhen = rollbackWhen;
    }

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

    /** The next {@code n} calls to {@code createEndpoint} throw a RuntimeException, like a bean being undeployed. */
    public void breakNextCreates(int n) {
        brokenBudget = n;
    }

    /** The next {@code n} calls to an endpoint's {@code release} throw, like a container failing to pool it. */
    public void failNextReleases(int n) {
        failingReleases.set(n);
    }

    /**
     * With {@link #transacted}: for messages {@code when} selects, afterDelivery completes the
     * transaction without calling the delivery's XAResource, as if its outcome never reached it.
     */
    public void loseOutcomeWhen(java.util.function.Predicate<NatsMessage> when) {
        this.outcomeLostWhen = when;
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
        if (brokenBudget > 0) {
            brokenBudget--;
            throw new IllegalStateException("test: the bean is being undeployed");
        }
        created.incrementAndGet();
        return answer != null ? new AnsweringEndpoint(xaResource)
                : watching != null ? (batching ? new WatchingBatchingEndpoint(xaResource) : new WatchingEndpoint(xaResource))
                : batching ? new BatchingEndpoint(xaResource) : new Endpoint(xaResource);
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
        return answer != null ? AnsweringEndpoint.class
                : watching != null ? (batching ? WatchingBatchingEndpoint.class : WatchingEndpoint.class)
                : batching ? BatchingEndpoint.class : Endpoint.class;
    }

    private volatile boolean batching;
    private final List<Integer> batchSizes = new CopyOnWriteArrayList<>();
    private final List<String> committed = new CopyOnWriteArrayList<>();

    /**
     * Makes the endpoints {@code NatsBatchListener}s: {@code onMessages} records and runs the
     * behaviour for each message in turn (a throw ends the batch, rolled back); the transaction
     * rolls back when {@code rollbackWhen} selects any of them. Called before the activation.
     */
    public TestEndpointFactory batching() {
        this.batching = true;
        return this;
    }

    private volatile Class<? extends RuntimeException> commitDespite;

    /** Batch endpoints: an exception of {@code type} leaves the transaction to commit (an application exception with rollback=false). */
    public void commitDespite(Class<? extends RuntimeException> type) {
        this.commitDespite = type;
    }

    /** @return the size of every batch delivered, in order */
    public List<Integer> batchSizes() {
        return batchSizes;
    }

    /** @return the UTF-8 bodies of messages whose delivery committed (returned, when not transacted) */
    public List<String> committed() {
        return committed;
    }

    private final class BatchingEndpoint extends Endpoint implements dev.natsjca.api.NatsBatchListener {
        private List<String> bodies = List.of();

        BatchingEndpoint(XAResource xa) {
            super(xa);
        }

        @Override
        public void onMessages(List<NatsMessage> messages) {
            batchSizes.add(messages.size());
            bodies = messages.stream().map(m -> new String(m.data(), java.nio.charset.StandardCharsets.UTF_8))
                    .collect(java.util.stream.Collectors.toList());
            boolean rollbackAny = false;
            try {
                for (NatsMessage m : messages) {
                    onMessage(m);
                    rollbackAny |= ((Endpoint) this).rollback;
                }
            } catch (RuntimeException e) {
                Class<? extends RuntimeException> keeps = commitDespite;
                rollbackAny = keeps == null || !keeps.isInstance(e);
                throw e;
            } finally {
                ((Endpoint) this).rollback = rollbackAny;
            }
            if (((Endpoint) this).xa == null) {
                committed.addAll(bodies);
            }
        }

        @Override
        void committedNow() {
            committed.addAll(bodies);
        }
    }



    /** A key-value change as a watching endpoint received it. */
    public record Change(String bucket, String key, long revision, io.nats.client.api.KeyValueOperation operation,
                         String value, long deliveryCount) {
    }

    private volatile Consumer<dev.natsjca.api.NatsKeyValueChange> watching;
    private final List<Change> changes = new CopyOnWriteArrayList<>();

    /**
     * Makes the endpoints {@code NatsKeyValueListener}s: {@code onChange} records the change, then
     * runs {@code behaviour}. Called before the activation.
     */
    public TestEndpointFactory watching(Consumer<dev.natsjca.api.NatsKeyValueChange> behaviour) {
        this.watching = behaviour;
        return this;
    }

    /** @return the changes received, in order */
    public List<Change> changes() {
        return changes;
    }

    /** A watching bean that takes batches too ({@link #watching} and {@link #batching}): records each batch. */
    private final class WatchingBatchingEndpoint extends WatchingEndpoint implements dev.natsjca.api.NatsBatchListener {
        WatchingBatchingEndpoint(XAResource xa) {
            super(xa);
        }

        @Override
        public void onMessages(List<NatsMessage> messages) {
            batchSizes.add(messages.size());
        }
    }

    private class WatchingEndpoint extends Endpoint implements dev.natsjca.api.NatsKeyValueListener {
        WatchingEndpoint(XAResource xa) {
            super(xa);
        }

        @Override
        public void onChange(dev.natsjca.api.NatsKeyValueChange change) {
            changes.add(new Change(change.bucket(), change.key(), change.revision(), change.operation(),
                    new String(change.value(), java.nio.charset.StandardCharsets.UTF_8), change.deliveryCount()));
            watching.accept(change);
        }
    }

    private volatile java.util.function.Function<NatsMessage, dev.natsjca.api.NatsReply> answer;

    /**
     * Makes the endpoints {@code NatsServiceListener}s (the bean's class says so): {@code onRequest}
     * records the request, runs the behaviour, then returns what {@code answer} makes of it.
     * Called before the activation.
     */
    public TestEndpointFactory answering(java.util.function.Function<NatsMessage, dev.natsjca.api.NatsReply> answer) {
        this.answer = answer;
        return this;
    }

    private final class AnsweringEndpoint extends Endpoint implements dev.natsjca.api.NatsServiceListener {
        AnsweringEndpoint(XAResource xa) {
            super(xa);
        }

        @Override
        public dev.natsjca.api.NatsReply onRequest(NatsMessage request) {
            onMessage(request);
            try {
                return answer.apply(request);
            } catch (KeepsTransaction e) {
                throw e; // an application exception with rollback=false: the container commits
            } catch (RuntimeException e) {
                failedAnswer();
                throw e;
            }
        }
    }

    /** Thrown by an answer, it leaves the transaction to commit, as an application exception with rollback=false does. */
    public static class KeepsTransaction extends dev.natsjca.api.NatsServiceException {
        private static final long serialVersionUID = 1L;

        public KeepsTransaction(int code, String description) {
            super(code, description);
        }
    }

    private volatile boolean interruptAtCompletion;

    /**
     * With {@link #transacted}: afterDelivery completes the transaction on an interrupted thread,
     * as a commit that gives back an interrupt it received leaves it.
     */
    public void interruptAtCompletion() {
        interruptAtCompletion = true;
    }

    private class Endpoint implements MessageEndpoint, NatsMessageListener {
        private final XAResource xa;
        private final javax.transaction.xa.Xid xid = new TestXid();
        private boolean isReleased;
        private boolean rollback;
        private boolean outcomeLost;

        Endpoint(XAResource xa) {
            this.xa = xa;
        }

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
                rollback = rollbackWhen.test(message);
                outcomeLost = outcomeLostWhen.test(message);
                behaviour.accept(message);
            } catch (RuntimeException e) {
                rollback = true;
                throw e;
            } finally {
                inFlight.decrementAndGet();
            }
        }

        /** The transaction committed. */
        void committedNow() {
        }

        /** The answer threw: the container rolls the transaction back, as for onMessage. */
        void failedAnswer() {
            rollback = true;
        }

        @Override
        public void beforeDelivery(Method method) {
            try {
                if (xa != null) {
                    xa.start(xid, XAResource.TMNOFLAGS);
                }
            } catch (javax.transaction.xa.XAException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void afterDelivery() {
            try {
                if (xa != null && outcomeLost) {
                    outcomeLost = false;
                    return; // the transaction ends elsewhere; this resource hears nothing of it
                }
                if (xa != null) {
                    if (interruptAtCompletion) {
                        Thread.currentThread().interrupt();
                    }
                    xa.end(xid, rollback ? XAResource.TMFAIL : XAResource.TMSUCCESS);
                    if (rollback) {
                        xa.rollback(xid);
                    } else {
                        xa.commit(xid, true);
                        committedNow();
                    }
                    if (interruptAtCompletion) {
                        Thread.interrupted(); // the container's business from here on
                    }
                }
            } catch (javax.transaction.xa.XAException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void release() {
            isReleased = true;
            released.incrementAndGet();
            if (failingReleases.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new IllegalStateException("test: releasing the endpoint failed");
            }
        }
    }
}
