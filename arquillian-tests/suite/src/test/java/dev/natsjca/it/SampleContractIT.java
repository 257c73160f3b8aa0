package dev.natsjca.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.shrinkwrap.api.spec.EnterpriseArchive;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.natsjca.api.NatsHeaders;
import dev.natsjca.sample.orders.OrderAudited;
import dev.natsjca.sample.orders.OrderPlaced;
import dev.natsjca.testing.Await;
import dev.natsjca.testing.NatsServer;
import dev.natsjca.testing.NatsServerExtension;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamManagement;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.api.MessageInfo;

/**
 * The sample's NATS contract (README, "The sample's NATS contract"), driven from outside the EAR
 * over NATS alone, by a plain jnats client that knows only the subjects, the stream and
 * {@code orders.proto}: orders in, audits out exactly once each; poison to the dead-letter
 * subject; the status reply, and the status endpoint of service {@code sample}; the leader's ticks.
 */
@ExtendWith({NatsServerExtension.class, ArquillianExtension.class})
class SampleContractIT {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Pattern STATUS = Pattern.compile(
            "\\{\"node\":\"([^\"]+)\",\"leader\":(true|false),\"token\":(\\d+|null),\"audited\":(\\d+)}");
    private static final Pattern TICK = Pattern.compile("\\{\"node\":\"([^\"]+)\",\"token\":(\\d+)}");

    @Deployment(testable = false)
    static EnterpriseArchive sample() {
        return Deployments.sampleEar();
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
        streams.awaitConsumer(WAIT, "ORDERS", "order-auditor");
    }

    @AfterEach
    void disconnect() throws Exception {
        client.close();
    }

    @Test
    void everyOrderPlacedIsAuditedExactlyOnceInTheSameStream() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        Map<String, Long> placedAt = new HashMap<>();
        Map<String, Long> amounts = new HashMap<>();
        for (int i = 0; i < 20; i++) {
            OrderPlaced order = OrderPlaced.newBuilder().setOrderId(run + "-" + i).setCustomer("c" + i)
                    .setAmountCents(1000L + i).build();
            // As any client would: the bytes of orders.proto, no headers required.
            placedAt.put(order.getOrderId(), js.publish("orders.placed", order.toByteArray()).getSeqno());
            amounts.put(order.getOrderId(), order.getAmountCents());
        }
        Await.until(WAIT, () -> "20 audits of run " + run + ", got " + audits(run).size(),
                () -> audits(run).size() >= 20 && settled());

        List<MessageInfo> audits = audits(run);
        assertEquals(20, audits.size(), "an order audited twice, or an audit stored twice");
        String node = null;
        for (MessageInfo m : audits) {
            OrderAudited audit = OrderAudited.parseFrom(m.getData());
            assertEquals(amounts.get(audit.getOrderId()), audit.getAmountCents(), audit.toString());
            assertEquals(placedAt.get(audit.getOrderId()), audit.getPlacedSequence(), "placed_sequence of " + audit);
            assertEquals("audit-" + audit.getOrderId(), m.getHeaders().getFirst("Nats-Msg-Id"));
            assertEquals("sample.orders.OrderAudited", m.getHeaders().getFirst(NatsHeaders.PROTOBUF_TYPE));
            assertFalse(audit.getAuditedBy().isEmpty(), "audited_by is the node name");
            node = node == null ? audit.getAuditedBy() : node;
            assertEquals(node, audit.getAuditedBy());
        }
        assertEquals(amounts.keySet(), audits.stream().map(m -> parse(m).getOrderId())
                .collect(java.util.stream.Collectors.toSet()));
    }

    @Test
    void aPoisonOrderEndsOnTheDeadLetterSubjectWithItsOriginalBytes() throws Exception {
        OrderPlaced poison = OrderPlaced.newBuilder().setOrderId("poison-" + UUID.randomUUID())
                .setCustomer("poison").setAmountCents(1).build();
        long seq = js.publish("orders.placed", null, poison.toByteArray(), io.nats.client.PublishOptions.builder()
                .messageId("order-" + poison.getOrderId()).build()).getSeqno();
        Await.until(WAIT, "the poison order dead-lettered", () -> deadLetter(seq) != null);
        MessageInfo dead = deadLetter(seq);
        assertArrayEquals(poison.toByteArray(), dead.getData());
        assertEquals("3", dead.getHeaders().getFirst(NatsHeaders.DEAD_LETTER_DELIVERIES));
        assertEquals("orders.placed", dead.getHeaders().getFirst(NatsHeaders.DEAD_LETTER_SUBJECT));
        assertTrue(dead.getHeaders().getFirst(NatsHeaders.DEAD_LETTER_REASON).contains("cannot be audited"),
                dead.getHeaders().getFirst(NatsHeaders.DEAD_LETTER_REASON));
        // The order's own directive headers are kept under inert names; the dead letter has its own id.
        assertEquals("order-" + poison.getOrderId(),
                dead.getHeaders().getFirst(NatsHeaders.DEAD_LETTER_ORIGINAL_PREFIX + "Nats-Msg-Id"));
        assertTrue(dead.getHeaders().getFirst("Nats-Msg-Id").startsWith("dlq-ORDERS-" + seq + "-"),
                dead.getHeaders().getFirst("Nats-Msg-Id"));
        Await.until(WAIT, "the poison order terminated, nothing left pending", this::settled);
        assertTrue(audits(poison.getOrderId()).isEmpty(), "a poison order was audited");
    }

    @Test
    void statusAnswersWithNodeLeadershipAndTheAuditCount() throws Exception {
        Matcher first = awaitStatus("the instance leads", m -> m.group(2).equals("true"));
        long audited = Long.parseLong(first.group(4));
        assertTrue(Long.parseLong(first.group(3)) > 0, "a leader's token");

        String id = "status-" + UUID.randomUUID();
        js.publish("orders.placed", OrderPlaced.newBuilder().setOrderId(id).setCustomer("s").setAmountCents(5)
                .build().toByteArray());
        Matcher after = awaitStatus("the new audit counted",
                m -> Long.parseLong(m.group(4)) >= audited + 1);
        assertEquals(first.group(1), after.group(1), "same node");
        assertEquals(1, audits(id).size());
    }

    /**
     * The status responder is endpoint {@code status} of NATS service {@code sample}, as jnats'
     * own service client (an implementation of the protocol other than the adapter's) sees it:
     * one instance, its endpoint, and statistics that count exactly the requests sent.
     */
    @Test
    void theSampleIsADiscoverableNatsServiceWhoseStatsCountTheRequestsExactly() throws Exception {
        awaitStatus("the status endpoint answering", m -> true);
        io.nats.service.Discovery discovery = new io.nats.service.Discovery(client, 1000, 10);
        List<io.nats.service.PingResponse> pings = discovery.ping("sample");
        assertEquals(1, pings.size(), "one instance of service sample: " + pings);
        String id = pings.get(0).getId();
        assertEquals("1.0.0", pings.get(0).getVersion());
        io.nats.service.InfoResponse info = discovery.info("sample", id);
        assertEquals(1, info.getEndpoints().size(), info.toJson());
        io.nats.service.Endpoint endpoint = info.getEndpoints().get(0);
        assertEquals("status", endpoint.getName());
        assertEquals("sample.status", endpoint.getSubject());
        assertEquals("sample-status", endpoint.getQueueGroup());

        long before = discovery.stats("sample", id).getEndpointStatsList().get(0).getNumRequests();
        int sent = 7;
        for (int k = 0; k < sent; k++) {
            Message reply = client.request("sample.status", new byte[0], Duration.ofSeconds(10));
            assertTrue(STATUS.matcher(new String(reply.getData(), StandardCharsets.UTF_8)).matches());
        }
        io.nats.service.EndpointStats stats = discovery.stats("sample", id).getEndpointStatsList().get(0);
        assertEquals(before + sent, stats.getNumRequests(), stats.toJson());
        assertEquals(0, stats.getNumErrors(), stats.toJson());
        assertTrue(stats.getProcessingTime() > 0, stats.toJson());
    }

    @Test
    void ticksComeFromOneLeaderWithIncreasingTokens() throws Exception {
        try (Receiver ticks = new Receiver(client, "sample.leader.tick")) {
            Await.until(WAIT, () -> "three ticks, got " + ticks.messages().size(), () -> ticks.messages().size() >= 3);
            List<Matcher> seen = new ArrayList<>();
            for (Message m : ticks.messages()) {
                Matcher t = TICK.matcher(new String(m.getData(), StandardCharsets.UTF_8));
                assertTrue(t.matches(), "tick is not {\"node\":…,\"token\":…}: " + t);
                seen.add(t);
            }
            for (int i = 1; i < seen.size(); i++) {
                assertEquals(seen.get(0).group(1), seen.get(i).group(1), "ticks from two nodes");
                assertTrue(Long.parseLong(seen.get(i).group(2)) > Long.parseLong(seen.get(i - 1).group(2)),
                        "tokens must increase");
            }
            Matcher status = awaitStatus("status", m -> true);
            assertEquals(seen.get(0).group(1), status.group(1), "the ticking node is the one that answers");
        }
    }

    private Matcher awaitStatus(String what, java.util.function.Predicate<Matcher> condition) {
        Matcher[] last = new Matcher[1];
        Await.until(WAIT, () -> what + "; last status " + (last[0] == null ? "none" : last[0].group()), () -> {
            try {
                Message reply = client.request("sample.status", new byte[0], Duration.ofSeconds(2));
                if (reply == null) {
                    return false; // no answer within the request timeout
                }
                String json = new String(reply.getData(), StandardCharsets.UTF_8);
                Matcher m = STATUS.matcher(json);
                assertTrue(m.matches(), "status is not the documented JSON: " + json);
                last[0] = m;
                return condition.test(m);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            } catch (java.util.concurrent.CancellationException e) {
                return false; // no responder yet
            }
        });
        return last[0];
    }

    private boolean settled() {
        return streams.settled("ORDERS", "order-auditor");
    }

    /** @return the audits stored for orders whose id starts with {@code prefix} */
    private List<MessageInfo> audits(String prefix) {
        List<MessageInfo> found = new ArrayList<>();
        for (MessageInfo m : stored("orders.audited")) {
            if (parse(m).getOrderId().startsWith(prefix)) {
                found.add(m);
            }
        }
        return found;
    }

    private MessageInfo deadLetter(long placedSequence) {
        return stored("orders.dlq").stream()
                .filter(m -> Long.toString(placedSequence).equals(m.getHeaders().getFirst(NatsHeaders.DEAD_LETTER_SEQUENCE)))
                .findFirst().orElse(null);
    }

    private List<MessageInfo> stored(String subject) {
        try {
            return streams.stored("ORDERS", subject, 1);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static OrderAudited parse(MessageInfo m) {
        try {
            return OrderAudited.parseFrom(m.getData());
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }
}
