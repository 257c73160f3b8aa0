package dev.natsjca.outbound;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import dev.natsjca.api.NatsException;
import dev.natsjca.api.NatsExpectedSequenceException;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.PublishOptions;
import io.nats.client.api.PublishAck;
import io.nats.client.impl.Headers;

/**
 * Sends a transaction's staged messages in the order they were published and waits until the
 * server has them: every stream acknowledgement for JetStream messages, a flush round trip for
 * core ones (a transaction of JetStream messages only needs no flush). It stops at the first
 * refusal it can detect, and says exactly what happened to each message:
 * <ul>
 * <li>Before anything is sent, every message is checked against the server's {@code max_payload}:
 *     one too big refuses the transaction with nothing sent.</li>
 * <li>JetStream messages are sent without waiting for each acknowledgement, except a message
 *     carrying a condition ({@code Nats-Expected-*} headers or the same expectations in its
 *     {@link PublishOptions}): it is sent only once every earlier acknowledgement is in, and the
 *     next message only once its own is. A failed condition, the usual refusal, so stops with
 *     the messages before it stored and nothing after it sent.</li>
 * <li>Any other refusal (a stream's limits, no stream bound to the subject) is known only when
 *     its acknowledgement returns: sending stops then, but messages after the refused one may
 *     already have been sent, and stored.</li>
 * </ul>
 * On failure, the acknowledgements of what was sent are still awaited (within the same timeout),
 * so the exception and each message's {@code CompletionStage} tell the truth: completed with its
 * {@link PublishAck} when stored, exceptionally otherwise.
 */
final class StagedSender {

    private StagedSender() {
    }

    /** What became of one staged message. */
    private enum Outcome { NOT_SENT, SENT, STORED, REFUSED }

    /**
     * @param connection the managed connection's jnats connection
     * @param jetStream its JetStream context, asked for only when a JetStream message is sent
     * @param staged the transaction's messages, in publish order
     * @param timeout how long the server may take to confirm them all
     * @param where the servers, for messages (redacted)
     * @param mayHaveStream whether a stream is bound to a subject, or may be (unknown): asked when
     *        no server answered any message, to tell a stream electing its leader, whose messages
     *        are sent again until the timeout, from no stream at all, which fails at once
     * @throws NatsException when the connection is down, a flush or an acknowledgement does not
     *         come back in time, or a stream refuses a message; an expected-sequence refusal is a
     *         {@link dev.natsjca.api.NatsExpectedSequenceException}
     */
    static void send(Connection connection, Supplier<JetStream> jetStream, List<StagingXAResource.Staged> staged,
                     Duration timeout, String where, java.util.function.Predicate<String> mayHaveStream) {
        int n = staged.size();
        if (connection.getStatus() != Connection.Status.CONNECTED) {
            // jnats would buffer the messages and send them after the transaction has rolled back.
            throw fail(staged, new Outcome[n], List.of(), -1, new NatsException("Not connected to NATS ("
                    + connection.getStatus() + ") at " + where));
        }
        long max = connection.getMaxPayload();
        for (int k = 0; k < n; k++) {
            StagingXAResource.Staged s = staged.get(k);
            long size = (long) s.data().length + (s.headers() == null ? 0 : s.headers().serializedLength());
            if (max > 0 && size > max) {
                throw fail(staged, new Outcome[n], List.of(), k, new NatsException("The message on subject '" + s.subject()
                        + "' is " + size + " bytes with its headers, over the server's max_payload of " + max));
            }
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Attempt a = sendOnce(connection, jetStream, staged, timeout, deadline, where);
            if (a.failure == null) {
                for (int k = 0; k < n; k++) {
                    StagingXAResource.Staged s = staged.get(k);
                    if (s.ack() != null) {
                        s.ack().complete(a.acks.get(k).getNow(null));
                    }
                }
                return;
            }
            if (!noneTaken(a) || System.nanoTime() + NO_RESPONDERS_PAUSE.toNanos() >= deadline
                    || !staged.stream().map(StagingXAResource.Staged::subject).distinct().allMatch(mayHaveStream)
                    || !pause(NO_RESPONDERS_PAUSE)) {
                throw fail(staged, a.outcome, a.acks, a.failedAt, a.failure);
            }
            // No server took any of them (the stream is electing a leader: a node of the cluster
            // was lost): nothing is stored, nothing sent that a repeat would duplicate; again, in order.
        }
    }

    /** Pause between sends that no stream answered, while the transaction's deadline allows. */
    static final Duration NO_RESPONDERS_PAUSE = Duration.ofMillis(250);

    /** One send of all the messages: what became of each, and the failure, or none. */
    private record Attempt(Outcome[] outcome, List<CompletableFuture<PublishAck>> acks, int failedAt,
                           NatsException failure) {
    }

    /**
     * @return whether the attempt sent only JetStream messages and every one sent was answered
     *         with 503 "no responders": no stream had them, so sending them all again is safe
     */
    private static boolean noneTaken(Attempt a) {
        boolean any = false;
        for (int k = 0; k < a.acks.size(); k++) {
            CompletableFuture<PublishAck> ack = a.acks.get(k);
            if (ack == null) {
                return false; // a core message went out: it would go twice
            }
            if (!ack.isDone() || !ack.isCompletedExceptionally() || !noResponders(exceptionOf(ack))) {
                return false;
            }
            any = true;
        }
        return any;
    }

    /** @return whether jnats reported the server's 503 status: no one subscribed to the subject answered */
    private static boolean noResponders(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof java.io.IOException && t.getMessage() != null && t.getMessage().contains(" 503 ")) {
                return true;
            }
            if (t instanceof io.nats.client.JetStreamStatusException
                    && ((io.nats.client.JetStreamStatusException) t).getStatus().getCode() == 503) {
                return true;
            }
        }
        return false;
    }

    private static boolean pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static Attempt sendOnce(Connection connection, Supplier<JetStream> jetStream,
                                    List<StagingXAResource.Staged> staged, Duration timeout, long deadline,
                                    String where) {
        int n = staged.size();
        Outcome[] outcome = new Outcome[n];
        List<CompletableFuture<PublishAck>> acks = new ArrayList<>(n);
        boolean core = false;
        int failedAt = -1;
        NatsException failure = null;
        for (int k = 0; k < n && failure == null; k++) {
            StagingXAResource.Staged s = staged.get(k);
            if (connection.getStatus() != Connection.Status.CONNECTED) {
                // jnats would buffer this one and send it after the reconnect, when the
                // transaction may have rolled back.
                failedAt = k;
                failure = new NatsException("The connection to NATS dropped (" + connection.getStatus()
                        + ") before message " + (k + 1) + " was sent, at " + where);
                break;
            }
            int refused = firstRefused(staged, acks, outcome, false, deadline);
            if (refused >= 0) {
                failedAt = refused;
                failure = failureOf(staged.get(refused).subject(), acks.get(refused), timeout);
                break;
            }
            try {
                if (!s.jetStream()) {
                    connection.publish(s.subject(), s.headers(), s.data());
                    acks.add(null);
                    outcome[k] = Outcome.SENT;
                    core = true;
                    continue;
                }
                boolean conditional = conditional(s);
                if (conditional) {
                    refused = firstRefused(staged, acks, outcome, true, deadline);
                    if (refused >= 0) {
                        failedAt = refused;
                        failure = failureOf(staged.get(refused).subject(), acks.get(refused), timeout);
                        break;
                    }
                }
                CompletableFuture<PublishAck> ack = jetStream.get().publishAsync(s.subject(), s.headers(), s.data(),
                        s.options());
                acks.add(ack);
                outcome[k] = Outcome.SENT;
                if (conditional && await(ack, deadline) && ack.isCompletedExceptionally()) {
                    outcome[k] = timedOut(ack) ? Outcome.SENT : Outcome.REFUSED;
                    failedAt = k;
                    failure = failureOf(s.subject(), ack, timeout);
                }
            } catch (RuntimeException e) {
                failedAt = k; // jnats refused it before sending (e.g. a connection that just dropped)
                failure = new NatsException("NATS refused the message on subject '" + s.subject() + "': "
                        + e.getMessage(), e);
            }
        }
        if (failure == null && core) {
            try {
                // Core messages have no acknowledgement: the flush's PONG proves the server has them.
                connection.flush(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            } catch (TimeoutException | RuntimeException e) {
                failure = new NatsException("No confirmation from NATS within " + timeout
                        + " that the transaction's core messages arrived (flush: " + e.getMessage() + ")", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure = new NatsException("Interrupted confirming the transaction's core messages", e);
            }
        }
        if (failure == null) {
            int refused = firstRefused(staged, acks, outcome, true, deadline);
            if (refused >= 0) {
                failedAt = refused;
                failure = failureOf(staged.get(refused).subject(), acks.get(refused), timeout);
            } else {
                for (int k = 0; k < acks.size(); k++) {
                    if (acks.get(k) != null && !acks.get(k).isDone()) {
                        failedAt = k;
                        failure = noAck(staged.get(k).subject(), timeout);
                        break;
                    }
                }
            }
        }
        if (failure != null) {
            // Learn what became of what was sent, so the report is exact.
            for (CompletableFuture<PublishAck> ack : acks) {
                if (ack != null) {
                    await(ack, deadline);
                }
            }
            return new Attempt(outcomeOf(acks, outcome), acks, failedAt, failure);
        }
        return new Attempt(outcome, acks, -1, null);
    }

    /** @return whether a message carries a condition the stream checks when it stores it */
    static boolean conditional(StagingXAResource.Staged s) {
        PublishOptions o = s.options();
        if (o != null && (o.getExpectedStream() != null || o.getExpectedLastMsgId() != null
                || o.getExpectedLastSequence() != PublishOptions.UNSET_LAST_SEQUENCE
                || o.getExpectedLastSubjectSequence() != PublishOptions.UNSET_LAST_SEQUENCE)) {
            return true;
        }
        Headers h = s.headers();
        if (h != null) {
            for (String key : h.keySet()) {
                if (key.regionMatches(true, 0, "Nats-Expected-", 0, 14)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * @param wait whether to wait (until the deadline) for every acknowledgement, or only look at
     *        those already in
     * @return the index of the first message a stream refused, or -1
     */
    private static int firstRefused(List<StagingXAResource.Staged> staged, List<CompletableFuture<PublishAck>> acks,
                                    Outcome[] outcome, boolean wait, long deadline) {
        for (int k = 0; k < acks.size(); k++) {
            CompletableFuture<PublishAck> ack = acks.get(k);
            if (ack == null) {
                continue;
            }
            if (wait) {
                await(ack, deadline);
            }
            if (ack.isCompletedExceptionally()) {
                outcome[k] = timedOut(ack) ? Outcome.SENT : Outcome.REFUSED;
                return k;
            }
        }
        return -1;
    }

    private static Outcome[] outcomeOf(List<CompletableFuture<PublishAck>> acks, Outcome[] outcome) {
        for (int k = 0; k < acks.size(); k++) {
            CompletableFuture<PublishAck> ack = acks.get(k);
            if (ack != null && ack.isDone()) {
                outcome[k] = !ack.isCompletedExceptionally() ? Outcome.STORED : timedOut(ack) ? Outcome.SENT
                        : Outcome.REFUSED;
            }
        }
        return outcome;
    }

    /** @return whether {@code f} completed by the deadline */
    private static boolean await(CompletableFuture<?> f, long deadline) {
        try {
            f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            return true;
        } catch (ExecutionException e) {
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * @return how the acknowledgement failed: a refusal by the stream, or none in time (jnats gives
     *         up on an acknowledgement after 5-10 s and cancels its future)
     */
    private static NatsException failureOf(String subject, CompletableFuture<PublishAck> ack, Duration timeout) {
        return timedOut(ack) ? noAck(subject, timeout) : JetStreamErrors.refused(subject, exceptionOf(ack));
    }

    private static NatsException noAck(String subject, Duration timeout) {
        return new NatsException("No JetStream acknowledgement within " + timeout + " for the message on subject '"
                + subject + "' (it may or may not be stored)", new TimeoutException("no acknowledgement"));
    }

    /** @return whether the acknowledgement future ended without an answer (cancelled by jnats, or timed out) */
    static boolean timedOut(CompletableFuture<?> f) {
        if (!f.isCompletedExceptionally()) {
            return false;
        }
        if (f.isCancelled()) {
            return true;
        }
        Throwable t = exceptionOf(f);
        while (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t instanceof java.util.concurrent.CancellationException || t instanceof TimeoutException;
    }

    private static Throwable exceptionOf(CompletableFuture<?> f) {
        try {
            f.getNow(null);
            return new IllegalStateException("not refused");
        } catch (RuntimeException e) {
            return e;
        }
    }

    /**
     * Completes every message's stage as it truly ended and builds the exception that reports it.
     *
     * @param failedAt the message the failure is about, or -1 when it is about none in particular
     */
    private static NatsException fail(List<StagingXAResource.Staged> staged, Outcome[] outcome,
                                      List<CompletableFuture<PublishAck>> acks, int failedAt, NatsException failure) {
        List<Integer> stored = new ArrayList<>();
        List<Integer> unknown = new ArrayList<>();
        List<Integer> notSent = new ArrayList<>();
        for (int k = 0; k < staged.size(); k++) {
            StagingXAResource.Staged s = staged.get(k);
            Outcome o = outcome[k] == null ? Outcome.NOT_SENT : outcome[k];
            if (o == Outcome.STORED) {
                stored.add(k + 1);
                s.ack().complete(acks.get(k).getNow(null));
            } else if (o == Outcome.SENT) {
                unknown.add(k + 1);
            } else if (o == Outcome.NOT_SENT && k != failedAt) {
                notSent.add(k + 1);
            }
            if (s.ack() != null && !s.ack().isDone()) {
                NatsException own = k == failedAt ? failure
                        : o == Outcome.REFUSED ? JetStreamErrors.refused(s.subject(), exceptionOf(acks.get(k)))
                        : new NatsException((o == Outcome.SENT ? "Not confirmed" : "Not published") + ": message "
                                + (failedAt + 1) + " of the same transaction failed (" + failure.getMessage() + ")");
                s.ack().completeExceptionally(own);
            }
        }
        String report = "Sending the transaction's " + staged.size() + " message(s) failed"
                + (failedAt >= 0 ? " at message " + (failedAt + 1) : "") + ": " + failure.getMessage()
                + ". Stored: " + list(stored) + "; sent, not confirmed (core NATS, or no acknowledgement): "
                + list(unknown) + "; not sent: " + list(notSent);
        return failure instanceof NatsExpectedSequenceException ? new NatsExpectedSequenceException(report, failure)
                : new NatsException(report, failure);
    }

    private static String list(List<Integer> numbers) {
        return numbers.isEmpty() ? "none" : numbers.toString();
    }
}
