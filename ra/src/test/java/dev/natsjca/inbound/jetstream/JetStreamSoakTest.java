package dev.natsjca.inbound.jetstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.natsjca.api.NatsHeaders;
import dev.natsjca.inbound.NatsActivationSpec;
import dev.natsjca.testing.Await;
import dev.natsjca.testing.NatsServer;
import dev.natsjca.testing.StartedAdapter;
import dev.natsjca.testing.TestEndpointFactory;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.PublishOptions;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.api.MessageInfo;
import io.nats.client.api.PublishAck;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;

/**
 * Soak (counts only, nothing timed): 10,000 JetStream messages through an activation while 10 %
 * of them fail (half for good, some with non-ASCII reasons; half once), some carry an expected
 * sequence header, and the nats-server is SIGKILLed and restarted twice mid-stream. At the end,
 * counted from the streams: every poison message is dead-lettered exactly once, every other one
 * was processed, and the consumer holds nothing unacknowledged.
 */
class JetStreamSoakTest {

    private static final int MESSAGES = 10_000;
    private static final Duration WAIT = Duration.ofMinutes(3);

    /** 5 % fail every time and must be dead-lettered; a quarter of those with a non-ASCII reason. */
    private static boolean poison(int i) {
        return i % 20 == 0;
    }

    /** 5 % fail on their first delivery only. */
    private static boolean flaky(int i) {
        return i % 20 == 1;
    }

    /** 2 % carry Nats-Expected-Last-Subject-Sequence (a subject of their own); half of those are poison. */
    private static boolean conditional(int i) {
        return i % 50 == 0 || i % 50 == 1;
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void tenThousandMessagesFailuresAndTwoServerKillsEndWithEachAckedOrDeadLetteredOnce() throws Exception {
        try (NatsServer server = NatsServer.start();
             StartedAdapter started = new StartedAdapter(server.url(), 8);
             Connection client = Nats.connect(Options.builder().server(server.url()).maxReconnects(-1)
                     .reconnectWait(Duration.ofMillis(100)).build())) {
            JetStreamManagement jsm = client.jetStreamManagement();
            JetStream js = client.jetStream();
            jsm.addStream(StreamConfiguration.builder().name("SOAK").subjects("soak.>").storageType(StorageType.File)
                    .build());
            jsm.addStream(StreamConfiguration.builder().name("SOAKDLQ").subjects("soakdlq.x")
                    .storageType(StorageType.File).duplicateWindow(Duration.ofMinutes(10)).build());

            List<CompletableFuture<PublishAck>> acks = new ArrayList<>();
            for (int i = 0; i < MESSAGES; i++) {
                byte[] body = Integer.toString(i).getBytes(StandardCharsets.UTF_8);
                if (conditional(i)) {
                    acks.add(js.publishAsync("soak.occ." + i, null, body,
                            PublishOptions.builder().expectedLastSubjectSequence(0).build()));
                } else {
                    acks.add(js.publishAsync("soak.m", body));
                }
            }
            CompletableFuture.allOf(acks.toArray(new CompletableFuture[0])).get(60, TimeUnit.SECONDS);
            long lastSequence = jsm.getStreamInfo("SOAK").getStreamState().getLastSequence();
            assertEquals(MESSAGES, lastSequence);

            Map<Integer, Integer> attempts = new ConcurrentHashMap<>();
            Set<Integer> processed = ConcurrentHashMap.newKeySet();
            TestEndpointFactory endpoint = new TestEndpointFactory("soak", m -> {
                int i = Integer.parseInt(new String(m.data(), StandardCharsets.UTF_8));
                int n = attempts.merge(i, 1, Integer::sum);
                if (poison(i)) {
                    throw new IllegalStateException(i % 80 == 0 ? "Kunde Müller, Zürich: Bestellung " + i + " abgelehnt"
                            : "order " + i + " refused");
                }
                if (flaky(i) && n == 1) {
                    throw new IllegalStateException("transient failure of " + i);
                }
                processed.add(i);
            });
            NatsActivationSpec spec = new NatsActivationSpec();
            spec.setSubject("soak.>");
            spec.setStream("SOAK");
            spec.setDurable("soak-worker");
            spec.setMaxDeliver("3");
            spec.setBackoff("20");
            spec.setMaxConcurrency("4");
            spec.setBatchSize("50");
            spec.setAckWait("3000"); // acks lost with the server come back soon
            spec.setDeadLetterSubject("soakdlq.x");
            spec.setServerUrls(server.url());
            spec.setReconnectWait("100");
            started.adapter().endpointActivation(endpoint, spec);

            for (int kill = 1; kill <= 2; kill++) {
                int mark = kill * MESSAGES / 3;
                Await.until(WAIT, () -> "processing past " + mark + ", processed " + processed.size(),
                        () -> processed.size() >= mark);
                server.kill();
                server.startAgain();
            }

            int poisonCount = (int) java.util.stream.IntStream.range(0, MESSAGES).filter(JetStreamSoakTest::poison).count();
            Await.until(WAIT, () -> "settled: " + info(jsm) + ", processed " + processed.size() + ", dead letters "
                    + count(jsm, "SOAKDLQ"), () -> {
                ConsumerInfo ci = info(jsm);
                return ci != null && ci.getNumPending() == 0 && ci.getNumAckPending() == 0
                        && ci.getAckFloor().getStreamSequence() == lastSequence && count(jsm, "SOAKDLQ") >= poisonCount;
            });

            // Counted from the streams: each poison message dead-lettered exactly once, with valid headers.
            assertEquals(poisonCount, count(jsm, "SOAKDLQ"), "dead letters");
            Set<String> deadSequences = new HashSet<>();
            int nonAscii = 0;
            int conditionalDead = 0;
            for (long seq = 1; seq <= poisonCount; seq++) {
                MessageInfo dead = jsm.getMessage("SOAKDLQ", seq);
                assertTrue(deadSequences.add(dead.getHeaders().getFirst(NatsHeaders.DEAD_LETTER_SEQUENCE)),
                        "dead-lettered twice: " + dead.getHeaders());
                int i = Integer.parseInt(new String(dead.getData(), StandardCharsets.UTF_8));
                assertTrue(poison(i), "not a poison message: " + i);
                if (dead.getHeaders().getFirst(NatsHeaders.DEAD_LETTER_REASON).contains("M\\u00fcller")) {
                    nonAscii++;
                }
                if (dead.getHeaders().getFirst(NatsHeaders.DEAD_LETTER_ORIGINAL_PREFIX
                        + "Nats-Expected-Last-Subject-Sequence") != null) {
                    conditionalDead++;
                }
            }
            assertEquals(MESSAGES / 80, nonAscii, "dead letters with a non-ASCII reason");
            assertEquals(MESSAGES / 100, conditionalDead, "dead letters of messages with an expected sequence");
            for (int i = 0; i < MESSAGES; i++) {
                assertTrue(poison(i) || processed.contains(i), "message " + i + " was never processed");
            }
        }
    }

    private static ConsumerInfo info(JetStreamManagement jsm) {
        try {
            return jsm.getConsumerInfo("SOAK", "soak-worker");
        } catch (java.io.IOException | JetStreamApiException e) {
            return null; // the server restarting
        }
    }

    private static long count(JetStreamManagement jsm, String stream) {
        try {
            return jsm.getStreamInfo(stream).getStreamState().getMsgCount();
        } catch (java.io.IOException | JetStreamApiException e) {
            return -1;
        }
    }
}
