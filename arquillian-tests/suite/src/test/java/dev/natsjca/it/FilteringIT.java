package dev.natsjca.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.spec.EnterpriseArchive;
import org.jboss.shrinkwrap.api.spec.JavaArchive;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.natsjca.it.filter.SelectiveRelay;
import dev.natsjca.testing.Await;
import dev.natsjca.testing.NatsServer;
import dev.natsjca.testing.NatsServerExtension;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.JetStream;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;

/**
 * An MDB in a real server whose subject holds an embedded placeholder and whose selector filters
 * on headers: it consumes the subject the placeholder resolves to ({@code itenv.selit.orders},
 * from {@code NATS_IT_ENV=itenv}), receives only what the selector matches, and the stream's
 * other messages are acknowledged without delivery.
 */
@ExtendWith({NatsServerExtension.class, ArquillianExtension.class})
class FilteringIT {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String SUBJECT = "itenv.selit.orders";

    @Deployment(testable = false)
    static EnterpriseArchive filteringApp() {
        return TestEar.ear("filterapp", ShrinkWrap.create(JavaArchive.class, "filter-ejb.jar")
                .addClass(SelectiveRelay.class), List.of(new TestEar.Bean("SelectiveRelay", true, true)), null, Map.of());
    }

    private Connection client;
    private JetStream js;
    private JetStreamManagement jsm;
    private Streams streams;

    @BeforeEach
    void connect(NatsServer nats) throws Exception {
        client = Nats.connect(nats.url());
        js = client.jetStream();
        jsm = client.jetStreamManagement();
        streams = new Streams(jsm);
        streams.awaitConsumer(WAIT, "SELIT", "selit");
    }

    @AfterEach
    void disconnect() throws Exception {
        client.close();
    }

    private long publish(String body, String... headers) throws Exception {
        Headers h = new Headers();
        for (int i = 0; i < headers.length; i += 2) {
            h.add(headers[i], headers[i + 1]);
        }
        return js.publish(NatsMessage.builder().subject(SUBJECT).headers(h)
                .data(body.getBytes(StandardCharsets.UTF_8)).build()).getSeqno();
    }

    @Test
    void onlyWhatTheSelectorMatchesIsDeliveredAndTheRestIsAcknowledged() throws Exception {
        assertEquals(List.of("itenv.selit.orders"), jsm.getConsumerInfo("SELIT", "selit").getConsumerConfiguration()
                .getFilterSubjects(), "the embedded placeholder was not resolved");
        List<String> relayed = new CopyOnWriteArrayList<>();
        Dispatcher d = client.createDispatcher(m -> relayed.add(new String(m.getData(), StandardCharsets.UTF_8)));
        d.subscribe(SelectiveRelay.OUT);
        client.flush(Duration.ofSeconds(5));
        publish("urgent-eu", "region", "eu", "tag", "normal", "tag", "urgent", "Content-Kind", "order/v1");
        publish("us", "region", "us", "tag", "urgent", "Content-Kind", "order/v1");
        publish("no-kind", "region", "eu", "tag", "urgent");
        publish("small-eu", "region", "eu", "amount", "99", "Content-Kind", "order/v1");
        publish("Zürich-große", "region", "eu", "amount", "1000", "Content-Kind", "order/v2");
        long last = publish("invoice", "region", "eu", "tag", "urgent", "Content-Kind", "invoice");
        Await.until(WAIT, () -> "all acknowledged up to " + last + ", ack floor " + streams.ackFloor("SELIT", "selit")
                + ", relayed " + relayed, () -> streams.ackFloor("SELIT", "selit") >= last && relayed.size() >= 2);
        Await.until(WAIT, () -> "relayed " + relayed, () -> relayed.size() == 2);
        assertEquals(List.of("urgent-eu", "Zürich-große"), relayed);
        assertEquals(0, jsm.getConsumerInfo("SELIT", "selit").getRedelivered(), "a filtered message came back");
    }
}
