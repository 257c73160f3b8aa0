package dev.natsjca.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Collectors;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.spec.EnterpriseArchive;
import org.jboss.shrinkwrap.api.spec.JavaArchive;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.natsjca.it.svc.SharedOne;
import dev.natsjca.it.svc.SharedTwo;
import dev.natsjca.it.svc.TxAnswering;
import dev.natsjca.testing.Await;
import dev.natsjca.testing.NatsServer;
import dev.natsjca.testing.NatsServerExtension;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.service.Discovery;
import io.nats.service.EndpointStats;
import io.nats.service.ServiceMessage;
import io.nats.service.StatsResponse;

/**
 * Service endpoints in a real server: a container-managed transaction's reply leaves only when
 * it committed, with the bean's staged publish; a rollback, a refused commit or an exception
 * answers a service error and nothing the bean staged leaves; two endpoints in one queue group
 * each answer part; jnats' service client counts it all.
 */
@ExtendWith({NatsServerExtension.class, ArquillianExtension.class})
class ServiceEndpointIT {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Deployment(testable = false)
    static EnterpriseArchive serviceApp() {
        return TestEar.ear("svcapp", ShrinkWrap.create(JavaArchive.class, "svc-ejb.jar")
                        .addClasses(TxAnswering.class, SharedOne.class, SharedTwo.class),
                List.of(new TestEar.Bean("TxAnswering", true, true),
                        new TestEar.Bean("SharedOne", true, false),
                        new TestEar.Bean("SharedTwo", true, false)),
                null, Map.of());
    }

    private Connection client;
    private String run;

    @BeforeEach
    void connect(NatsServer nats) throws Exception {
        client = Nats.connect(nats.url());
        run = UUID.randomUUID().toString().substring(0, 8);
        Await.until(WAIT, "service svcit discoverable", () -> {
            try {
                return new Discovery(client, 300, 1).ping("svcit").size() == 1;
            } catch (IllegalArgumentException noResponders) {
                return false;
            }
        });
    }

    @AfterEach
    void disconnect() throws Exception {
        client.close();
    }

    private Message request(String subject, String body) throws Exception {
        Message reply = client.request(subject, body.getBytes(StandardCharsets.UTF_8), WAIT);
        assertTrue(reply != null, "no reply to " + body);
        return reply;
    }

    private static String text(Message m) {
        return new String(m.getData(), StandardCharsets.UTF_8);
    }

    private static String errorCode(Message m) {
        return m.getHeaders() == null ? null : m.getHeaders().getFirst(ServiceMessage.NATS_SERVICE_ERROR_CODE);
    }

    private static List<String> bodies(Receiver r) {
        return r.messages().stream().map(Message::getData).map(b -> new String(b, StandardCharsets.UTF_8))
                .collect(Collectors.toList());
    }

    private EndpointStats stats(String endpoint) {
        StatsResponse s = new Discovery(client, 1000, 10).stats("svcit").get(0);
        return s.getEndpointStatsList().stream().filter(e -> e.getName().equals(endpoint)).findFirst().orElseThrow();
    }

    /** Whatever failed before, a committed request's effect arrives: and it is the only one. */
    private void assertOnlySentinelsEffect(Receiver effects, String failedToken) throws Exception {
        String sentinel = "sentinel-" + run;
        assertEquals("done:" + sentinel, text(request("svcit.tx", "ok:" + sentinel)));
        effects.await(WAIT, "the sentinel's effect", m -> text(m).equals(sentinel));
        assertEquals(List.of(sentinel), bodies(effects), "what the failed request (" + failedToken + ") staged left");
    }

    @Test
    void theReplyOfACommittedTransactionArrivesWithItsStagedPublish() throws Exception {
        try (Receiver effects = new Receiver(client, TxAnswering.EFFECTS)) {
            long before = stats("tx").getNumRequests();
            String token = "ok-" + run;
            Message reply = request("svcit.tx", "ok:" + token);
            assertEquals("done:" + token, text(reply));
            assertEquals(null, errorCode(reply));
            effects.await(WAIT, "the staged publish", m -> text(m).equals(token));
            assertEquals(before + 1, stats("tx").getNumRequests());
        }
    }

    @Test
    void aRollbackAnswersAServiceErrorAndNothingStagedLeaves() throws Exception {
        try (Receiver effects = new Receiver(client, TxAnswering.EFFECTS)) {
            long errors = stats("tx").getNumErrors();
            String token = "rb-" + run;
            Message reply = request("svcit.tx", "rollback:" + token);
            assertEquals("500", errorCode(reply), "an error, not the bean's reply: " + text(reply));
            assertEquals("", text(reply));
            assertOnlySentinelsEffect(effects, token);
            assertEquals(errors + 1, stats("tx").getNumErrors());
        }
    }

    @Test
    void aCommitThatFailsAnswersAServiceErrorNotTheReplyTheBeanReturned() throws Exception {
        long errors = stats("tx").getNumErrors();
        Message reply = request("svcit.tx", "nostream:ns-" + run);
        assertEquals("500", errorCode(reply), "the reply waited for the commit, which failed: " + text(reply));
        assertEquals("the transaction rolled back", reply.getHeaders().getFirst(ServiceMessage.NATS_SERVICE_ERROR));
        assertEquals(errors + 1, stats("tx").getNumErrors());
    }

    @Test
    void aReplyTooBigToSendRollsTheTransactionBackBeforeItCommits() throws Exception {
        try (Receiver effects = new Receiver(client, TxAnswering.EFFECTS)) {
            String token = "huge-" + run;
            Message reply = request("svcit.tx", "huge:" + token);
            assertEquals("500", errorCode(reply));
            String why = reply.getHeaders().getFirst(ServiceMessage.NATS_SERVICE_ERROR);
            assertTrue(why.contains("max_payload"), why);
            assertOnlySentinelsEffect(effects, token);
        }
    }

    @Test
    void theBeansServiceExceptionAnswersItsCodeAndAnyOtherException500() throws Exception {
        try (Receiver effects = new Receiver(client, TxAnswering.EFFECTS)) {
            String token = "rf-" + run;
            Message refused = request("svcit.tx", "refuse:" + token);
            assertEquals("422", errorCode(refused));
            assertEquals("refused " + token, refused.getHeaders().getFirst(ServiceMessage.NATS_SERVICE_ERROR));
            Message boom = request("svcit.tx", "boom:" + token);
            assertEquals("500", errorCode(boom));
            assertOnlySentinelsEffect(effects, token);
            assertTrue(stats("tx").getLastError().startsWith("500"), stats("tx").toJson());
        }
    }

    @Test
    void twoEndpointsInOneQueueGroupEachAnswerPartAndEveryRequestOnce() throws Exception {
        long one = stats("shared-one").getNumRequests();
        long two = stats("shared-two").getNumRequests();
        Map<String, Integer> by = new TreeMap<>();
        int sent = 60;
        for (int k = 0; k < sent; k++) {
            by.merge(text(request("svcit.shared", "r" + k)), 1, Integer::sum);
        }
        assertTrue(by.getOrDefault("one", 0) > 0 && by.getOrDefault("two", 0) > 0, "both answered part: " + by);
        assertEquals(sent, by.values().stream().mapToInt(Integer::intValue).sum());
        assertEquals(by.get("one"), (int) (stats("shared-one").getNumRequests() - one), "stats of shared-one");
        assertEquals(by.get("two"), (int) (stats("shared-two").getNumRequests() - two), "stats of shared-two");
    }
}
