package dev.natsjca.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.shrinkwrap.api.spec.EnterpriseArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.natsjca.testing.Await;
import dev.natsjca.testing.NatsServer;
import dev.natsjca.testing.NatsServerExtension;

/**
 * The sample's MicroProfile Health checks at the server's own health endpoint (WildFly: the
 * management port; Payara: the HTTP port): readiness UP when everything consumes; the nats-server
 * stopped: DOWN within the readiness grace period (10 s) and UP again after its restart; JetStream
 * gone under a live connection (the server back without it): the JetStream bean's pull is refused,
 * STALLED, DOWN, until JetStream is back. Liveness stays UP throughout: NATS trouble is not a
 * reason to restart the application server.
 */
@ExtendWith({NatsServerExtension.class, ArquillianExtension.class})
class HealthIT {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    /** The grace period (10 s), a pull's silence (15 s), and a slow machine's margin. */
    private static final Duration WAIT = Duration.ofSeconds(60);

    @Deployment(testable = false)
    static EnterpriseArchive ear() {
        return Deployments.sampleEar();
    }

    private record Health(int status, String body) {
        boolean up() {
            return status == 200;
        }
    }

    private static Health health(String which) {
        try {
            URI uri = URI.create(System.getProperty("health.base") + "/" + which);
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(20)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return new Health(r.statusCode(), r.body());
        } catch (Exception e) {
            return new Health(-1, e.toString());
        }
    }

    private static void awaitReady() {
        Await.until(WAIT, () -> "readiness UP: " + health("ready"), () -> health("ready").up()
                && health("ready").body().contains("\"nats\"") && health("ready").body().contains("OrderAuditor"));
    }

    @Test
    void readinessIsUpWhileEveryBeanConsumesAndLivenessToo() {
        awaitReady();
        Health live = health("live");
        assertTrue(live.up(), live.toString());
        assertTrue(live.body().contains("nats-deliveries"), live.body());
    }

    @Test
    void aStoppedNatsServerIsDownWithinTheGracePeriodAndUpAfterItsRestart(NatsServer nats) {
        awaitReady();
        long stopped = System.nanoTime(); // before: the clients see the disconnect as the shutdown begins
        nats.stop();
        try {
            Await.until(WAIT, () -> "readiness DOWN: " + health("ready"), () -> health("ready").status() == 503);
            long seconds = Duration.ofNanos(System.nanoTime() - stopped).toSeconds();
            assertTrue(seconds >= 9, "DOWN before the 10 s grace period was over: " + seconds + " s");
            assertTrue(health("ready").body().contains("RECONNECTING"), health("ready").body());
            assertTrue(health("live").up(), "NATS down is no reason to restart: " + health("live"));
        } finally {
            nats.startAgain(true);
        }
        awaitReady();
    }

    @Test
    void jetStreamGoneUnderALiveConnectionIsDownUntilItIsBack(NatsServer nats) {
        awaitReady();
        nats.stop();
        nats.startAgain(false); // the connection comes back; every pull of the JetStream bean is refused
        try {
            Await.until(WAIT, () -> "readiness DOWN, OrderAuditor stalled: " + health("ready"),
                    () -> health("ready").status() == 503 && health("ready").body().contains("STALLED"));
            assertTrue(health("live").up(), health("live").toString());
        } finally {
            nats.stop();
            nats.startAgain(true);
        }
        awaitReady();
        assertEquals(200, health("ready").status());
    }
}
