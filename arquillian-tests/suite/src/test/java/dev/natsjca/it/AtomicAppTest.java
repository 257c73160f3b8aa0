package dev.natsjca.it;

import java.time.Duration;
import java.util.UUID;

import org.jboss.arquillian.junit5.ArquillianExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.natsjca.testing.NatsServer;
import dev.natsjca.testing.NatsServerExtension;
import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.Options;

/**
 * What the atomic-commit ITs share: a client of the test's nats-server, the stream that allows
 * atomic publish ({@link AtomicApp#createStream}) and a fresh run id per test.
 */
@ExtendWith({NatsServerExtension.class, ArquillianExtension.class})
abstract class AtomicAppTest {

    Connection client;
    JetStreamManagement jsm;
    String run;

    @BeforeEach
    void connect(NatsServer nats) throws Exception {
        client = Nats.connect(new Options.Builder().server(nats.url()).maxReconnects(-1)
                .reconnectWait(Duration.ofMillis(100)).build());
        jsm = client.jetStreamManagement();
        AtomicApp.createStream(jsm);
        run = UUID.randomUUID().toString().replace("-", "");
    }

    @AfterEach
    void disconnect() throws Exception {
        client.close();
    }
}
