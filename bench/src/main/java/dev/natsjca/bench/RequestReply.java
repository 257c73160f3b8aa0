package dev.natsjca.bench;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import dev.natsjca.bench.server.Stats;
import dev.natsjca.inbound.NatsActivationSpec;
import dev.natsjca.testing.StartedAdapter;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.impl.NatsMessage;
import io.nats.service.Service;
import io.nats.service.ServiceEndpoint;

/**
 * Scenario 8: request/reply round trips, an echo service behind raw jnats' own service
 * ({@link Service}, the handler answering on its dispatcher thread) and behind the adapter's
 * service endpoint (the delivery path without an EJB container). The requester keeps
 * {@link #WINDOW} requests in flight; a sample is one round trip (request sent to reply in).
 */
final class RequestReply {

    /** Requests in flight at once. */
    static final int WINDOW = 64;
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private RequestReply() {
    }

    /** @return a variant whose echo service is jnats' own, on {@code serving} */
    static Variant rawService(Connection serving, Connection requester, String subject) {
        Service service = Service.builder().connection(serving).name("bench-raw").version("1.0.0")
                .addServiceEndpoint(ServiceEndpoint.builder().endpointName("echo").endpointSubject(subject)
                        .handler(m -> m.respond(serving, m.getData())).build())
                .build();
        service.startService();
        return new Variant() {
            @Override
            public String name() {
                return "raw jnats service (io.nats.service), answering on its dispatcher thread";
            }

            @Override
            public Round run(int n, int size, int rate) throws Exception {
                return requests(requester, subject, n, size, rate);
            }

            @Override
            public void close() {
                service.stop();
            }
        };
    }

    /** @return a variant whose echo service is an adapter service endpoint of {@code maxConcurrency} */
    static Variant adapterService(StartedAdapter adapter, Connection requester, String subject, int maxConcurrency)
            throws Exception {
        String name = "adapter service endpoint (no EJB container), maxConcurrency " + maxConcurrency;
        NatsActivationSpec spec = new NatsActivationSpec();
        spec.setSubject(subject);
        spec.setMaxConcurrency(Integer.toString(maxConcurrency));
        spec.setServiceName("bench");
        spec.setServiceVersion("1.0.0");
        spec.setEndpointName("echo" + maxConcurrency);
        BenchEndpointFactory endpoints = new BenchEndpointFactory(name, false).answering();
        adapter.adapter().endpointActivation(endpoints, spec);
        return new Variant() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Round run(int n, int size, int rate) throws Exception {
                return requests(requester, subject, n, size, rate);
            }

            @Override
            public void close() {
                adapter.adapter().endpointDeactivation(endpoints, spec);
            }
        };
    }

    /** Sends {@code n} requests, at most {@link #WINDOW} unanswered, paced when {@code rate} > 0. */
    static Variant.Round requests(Connection requester, String subject, int n, int size, int rate)
            throws InterruptedException {
        byte[] data = new byte[size];
        Samples samples = new Samples(n);
        Semaphore window = new Semaphore(WINDOW);
        long interval = rate <= 0 ? 0 : 1_000_000_000L / rate;
        long start = System.nanoTime();
        long first = 0;
        CompletableFuture<?>[] all = new CompletableFuture<?>[n];
        for (int i = 0; i < n; i++) {
            if (interval > 0) {
                long wait = start + i * interval - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
            }
            if (!window.tryAcquire(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                break; // answers stopped: the round ends with what came
            }
            long sent = Stats.now();
            if (i == 0) {
                first = sent;
            }
            CompletableFuture<Message> reply = requester.requestWithTimeout(
                    NatsMessage.builder().subject(subject).data(data).build(), TIMEOUT);
            all[i] = reply.whenComplete((m, e) -> {
                if (e == null && !m.isStatusMessage()) {
                    samples.arrived(sent);
                }
                window.release();
            });
        }
        for (CompletableFuture<?> f : all) {
            if (f != null) {
                try {
                    f.get(TIMEOUT.toMillis() * 2, TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                    // counted as lost: the round reports sent minus answered
                }
            }
        }
        return new Variant.Round(n, first, samples);
    }
}
