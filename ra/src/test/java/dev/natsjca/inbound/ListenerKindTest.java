package dev.natsjca.inbound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.util.List;

import javax.transaction.xa.XAResource;

import org.junit.jupiter.api.Test;

import dev.natsjca.api.NatsBatchListener;
import dev.natsjca.api.NatsKeyValueChange;
import dev.natsjca.api.NatsKeyValueListener;
import dev.natsjca.api.NatsMessage;
import dev.natsjca.api.NatsMessageListener;
import dev.natsjca.api.NatsReply;
import dev.natsjca.api.NatsServiceListener;
import jakarta.resource.spi.InvalidPropertyException;
import jakarta.resource.spi.endpoint.MessageEndpoint;
import jakarta.resource.spi.endpoint.MessageEndpointFactory;

/** The listener a bean implements, read from its class or, when the server hides it, from the properties. */
class ListenerKindTest {

    /** A factory that tells {@code bean} as the endpoint class, or, given none, fails as an older server's does. */
    private static MessageEndpointFactory factory(Class<?> bean) {
        return new MessageEndpointFactory() {
            @Override
            public MessageEndpoint createEndpoint(XAResource xaResource) {
                throw new UnsupportedOperationException();
            }

            @Override
            public MessageEndpoint createEndpoint(XAResource xaResource, long timeout) {
                throw new UnsupportedOperationException();
            }

            @Override
            public boolean isDeliveryTransacted(Method method) {
                return false;
            }

            @Override
            public String getActivationName() {
                return "test";
            }

            @Override
            public Class<?> getEndpointClass() {
                if (bean == null) {
                    throw new AbstractMethodError("test: a server on an older Connectors version");
                }
                return bean;
            }
        };
    }

    abstract static class Plain implements NatsMessageListener { }

    abstract static class Batching implements NatsBatchListener { }

    abstract static class Watching implements NatsKeyValueListener { }

    abstract static class WatchingAndAnswering implements NatsKeyValueListener, NatsServiceListener { }

    abstract static class WatchingAndBatching implements NatsKeyValueListener, NatsBatchListener { }

    private static NatsActivationSpec spec() {
        NatsActivationSpec s = new NatsActivationSpec();
        s.setSubject("orders");
        return s;
    }

    private static NatsActivationSpec watch() {
        NatsActivationSpec s = new NatsActivationSpec();
        s.setBucket("prices");
        return s;
    }

    @Test
    void withoutTheBeansClassThePropertiesDecide() throws Exception {
        assertEquals(ListenerKind.MESSAGE, ListenerKind.of(factory(null), spec().resolved()));
        NatsActivationSpec batch = spec();
        batch.setMaxBatchSize("10");
        assertEquals(ListenerKind.BATCH, ListenerKind.of(factory(null), batch.resolved()));
        assertEquals(ListenerKind.CHANGE, ListenerKind.of(factory(null), watch().resolved()));
        NatsActivationSpec service = spec();
        service.setServiceName("orders");
        service.setServiceVersion("1.0.0");
        assertEquals(ListenerKind.REQUEST, ListenerKind.of(factory(null), service.resolved()));
    }

    @Test
    void theBeansClassDecidesWhenTheServerTellsIt() throws Exception {
        assertEquals(ListenerKind.MESSAGE, ListenerKind.of(factory(Plain.class), spec().resolved()));
        assertEquals(ListenerKind.BATCH, ListenerKind.of(factory(Batching.class), spec().resolved()));
        assertEquals(ListenerKind.CHANGE, ListenerKind.of(factory(Watching.class), watch().resolved()));
        // A watch takes no batches: one change per onChange call.
        assertEquals(ListenerKind.CHANGE, ListenerKind.of(factory(WatchingAndBatching.class), watch().resolved()));
    }

    @Test
    void aBeanThatAnswersAndTakesChangesIsRefusedNamingBoth() {
        InvalidPropertyException e = assertThrows(InvalidPropertyException.class,
                () -> ListenerKind.of(factory(WatchingAndAnswering.class), watch().resolved()));
        assertTrue(e.getMessage().contains("implements both NatsKeyValueListener and NatsServiceListener"),
                e.getMessage());
    }

    @Test
    void batchSettingsForAnotherListenerAreAProgrammingError() throws Exception {
        ResolvedActivation single = spec().resolved();
        assertThrows(IllegalStateException.class, () -> single.withBatch(BatchSettings.DEFAULT));
        assertEquals(BatchSettings.DEFAULT,
                single.withListener(ListenerKind.BATCH).withBatch(BatchSettings.DEFAULT).batch());
    }

    /** Keeps the listener interfaces' methods in the one place that names them. */
    @Test
    void eachKindCallsItsListenersMethod() throws Exception {
        assertEquals(NatsMessageListener.class.getMethod("onMessage", NatsMessage.class), ListenerKind.MESSAGE.method());
        assertEquals(NatsBatchListener.class.getMethod("onMessages", List.class), ListenerKind.BATCH.method());
        assertEquals(NatsServiceListener.class.getMethod("onRequest", NatsMessage.class), ListenerKind.REQUEST.method());
        assertEquals(NatsKeyValueListener.class.getMethod("onChange", NatsKeyValueChange.class),
                ListenerKind.CHANGE.method());
        assertEquals(NatsReply.class, ListenerKind.REQUEST.method().getReturnType());
    }
}
