package dev.natsjca.it;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.natsjca.testing.Await;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;

/** Collects every message on a subject, seen from outside the application over plain jnats. */
final class Receiver implements AutoCloseable {

    private final Connection connection;
    private final Dispatcher dispatcher;
    /** A message and when it arrived ({@link System#nanoTime()}). */
    record Timed(Message message, long nanos) {
    }

    private final List<Timed> messages = new CopyOnWriteArrayList<>();

    Receiver(Connection connection, String subject) throws Exception {
        this.connection = connection;
        this.dispatcher = connection.createDispatcher(m -> messages.add(new Timed(m, System.nanoTime())));
        dispatcher.subscribe(subject);
        connection.flush(Duration.ofSeconds(5)); // the server knows the subscription before anyone publishes
    }

    /** @return the messages so far, in arrival order */
    List<Message> messages() {
        return messages.stream().map(Timed::message).collect(java.util.stream.Collectors.toList());
    }

    /** @return the messages so far with their arrival times, in arrival order */
    List<Timed> timedMessages() {
        return List.copyOf(messages);
    }

    /** Waits for a message matching the predicate and returns it. */
    Message await(Duration timeout, String what, java.util.function.Predicate<Message> match) {
        Await.until(timeout, () -> what + " (received so far: " + messages.size() + ")",
                () -> messages().stream().anyMatch(match));
        return messages().stream().filter(match).findFirst().orElseThrow();
    }

    @Override
    public void close() {
        connection.closeDispatcher(dispatcher);
    }
}
