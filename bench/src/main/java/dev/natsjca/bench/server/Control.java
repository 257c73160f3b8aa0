package dev.natsjca.bench.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

import dev.natsjca.api.NatsConnection;
import dev.natsjca.api.NatsConnectionFactory;
import dev.natsjca.api.NatsMessage;
import dev.natsjca.api.NatsMessageListener;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.impl.Headers;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.ejb.ActivationConfigProperty;
import jakarta.ejb.EJB;
import jakarta.ejb.MessageDriven;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;
import jakarta.jms.Queue;

/**
 * The benchmark's remote control, over NATS request/reply on {@value #SUBJECT}: reset a receiver's
 * round, follow its progress and report it, and produce load from inside the server (JMS
 * messages; NATS publishes through the pool per message, through one handle, or on a plain jnats
 * connection in the same JVM). Each answer is one line of text.
 */
@MessageDriven(messageListenerInterface = NatsMessageListener.class, activationConfig = {
        @ActivationConfigProperty(propertyName = "subject", propertyValue = Control.SUBJECT) })
@TransactionAttribute(TransactionAttributeType.NOT_SUPPORTED)
public class Control implements NatsMessageListener {

    public static final String SUBJECT = "bench.srv.control";
    public static final String JMS_QUEUE = "java:global/jms/benchJms";
    public static final String JMSTX_QUEUE = "java:global/jms/benchJmsTx";

    @Resource(name = "nats/ConnectionFactory")
    private NatsConnectionFactory nats;

    /** JMS messages per sending transaction. */
    static final int JMS_BATCH = 100;

    @EJB
    private JmsLoad jmsLoad;

    /** For the {@code raw} command: a plain jnats connection, opened at first use. */
    private Connection raw;

    @Resource(lookup = JMS_QUEUE)
    private Queue jmsQueue;

    @Resource(lookup = JMSTX_QUEUE)
    private Queue jmsTxQueue;

    @Override
    public void onMessage(NatsMessage message) {
        String[] c = new String(message.data(), StandardCharsets.UTF_8).split(" ");
        String answer;
        try {
            answer = switch (c[0]) {
                case "reset" -> {
                    Stats.reset(c[1], Integer.parseInt(c[2]));
                    yield "ok";
                }
                case "progress" -> Stats.progress(c[1]);
                case "report" -> Stats.report(c[1]);
                case "jms" -> Long.toString(sendJms(c[1], Integer.parseInt(c[2]), Integer.parseInt(c[3]),
                        Boolean.parseBoolean(c[4]), Integer.parseInt(c[5])));
                case "pool" -> Long.toString(pooled(Integer.parseInt(c[1]), Integer.parseInt(c[2]), c[3],
                        Integer.parseInt(c[4])));
                case "handle" -> Long.toString(oneHandle(Integer.parseInt(c[1]), Integer.parseInt(c[2]), c[3],
                        Integer.parseInt(c[4])));
                case "raw" -> Long.toString(rawClient(Integer.parseInt(c[1]), Integer.parseInt(c[2]), c[3],
                        Integer.parseInt(c[4])));
                default -> "error unknown command " + c[0];
            };
        } catch (RuntimeException e) {
            answer = "error " + e;
        }
        try (NatsConnection connection = nats.getConnection()) {
            connection.publish(message.replyTo(), null, answer.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** Waits until message {@code i} is due at {@code rate} per second; 0 = no pacing. */
    static void pace(int i, int rate, long start) {
        if (rate > 0) {
            long wait = start + i * (1_000_000_000L / rate) - System.nanoTime();
            if (wait > 0) {
                java.util.concurrent.locks.LockSupport.parkNanos(wait);
            }
        }
    }

    /** Sends in JTA transactions of {@value #JMS_BATCH} messages (see {@link JmsLoad}). */
    private long sendJms(String receiver, int n, int size, boolean persistent, int rate) {
        Queue queue = "jmstx".equals(receiver) ? jmsTxQueue : jmsQueue;
        byte[] data = new byte[size];
        long start = System.nanoTime();
        long first = 0;
        for (int sent = 0; sent < n; sent += JMS_BATCH) {
            long f = jmsLoad.sendBatch(queue, Math.min(JMS_BATCH, n - sent), data, persistent, rate, sent, start);
            if (sent == 0) {
                first = f;
            }
        }
        return first;
    }

    /** One publish, by whichever path the command measures. */
    @FunctionalInterface
    private interface Publish {
        void publish(Headers headers, byte[] data);
    }

    /** @return the first message's send time (epoch nanoseconds) */
    private static long send(int n, int size, int rate, Publish publish) {
        byte[] data = new byte[size];
        long first = 0;
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            pace(i, rate, start);
            long now = Stats.now();
            if (i == 0) {
                first = now;
            }
            publish.publish(new Headers().put("Bench-Sent", Long.toString(now)), data);
        }
        return first;
    }

    private long pooled(int n, int size, String subject, int rate) {
        return send(n, size, rate, (h, d) -> {
            try (NatsConnection connection = nats.getConnection()) {
                connection.publish(subject, h, d);
            }
        });
    }

    private long oneHandle(int n, int size, String subject, int rate) {
        try (NatsConnection connection = nats.getConnection()) {
            return send(n, size, rate, (h, d) -> connection.publish(subject, h, d));
        }
    }

    /** Publishes on a plain jnats connection of this bean instance's own, in the same JVM. */
    private long rawClient(int n, int size, String subject, int rate) {
        if (raw == null) {
            try {
                raw = Nats.connect(Options.builder().server(System.getenv("NATS_URL")).build());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        Connection c = raw;
        return send(n, size, rate, (h, d) -> c.publish(subject, h, d));
    }

    /** Payara refuses a lifecycle method that declares a checked exception. */
    @PreDestroy
    void closeRaw() {
        if (raw != null) {
            try {
                raw.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
