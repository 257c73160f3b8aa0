package dev.natsjca.inbound.jetstream;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import dev.natsjca.api.NatsHeaders;
import io.nats.client.Message;
import io.nats.client.impl.Headers;

/**
 * What a message that used up its attempts becomes on the dead-letter subject: its data as is,
 * and headers that every NATS client can read and that never act on the dead-letter stream:
 * <ul>
 * <li>the original's headers, except the server's directives: every header whose name starts with
 *     {@code Nats-} ({@code Nats-Msg-Id}, {@code Nats-Expected-*}, {@code Nats-Rollup},
 *     {@code Nats-TTL}, {@code Nats-Batch-*}, and whatever later servers add) is kept under
 *     {@value NatsHeaders#DEAD_LETTER_ORIGINAL_PREFIX}{@code <name>} instead;</li>
 * <li>{@code Dead-Letter-Subject}, {@code -Stream}, {@code -Sequence}, {@code -Deliveries},
 *     {@code -Reason}: values made ASCII-safe ({@link #asciiSafe});</li>
 * <li>{@code Nats-Msg-Id: dlq-<stream>-<sequence>-<stored>} ({@code stored}: when the stream stored
 *     the original, in nanoseconds since the epoch, so a stream created anew cannot collide):
 *     dead-lettering the same message again within the dead-letter stream's duplicate window
 *     stores nothing new.</li>
 * </ul>
 * Building them never throws for what a message carries: a header jnats refuses would leave the
 * message neither processed nor dead-lettered.
 */
final class DeadLetters {

    /** Longest header value a dead letter carries, in characters, after escaping. */
    static final int MAX_VALUE = 1024;

    private static final String MSG_ID = "Nats-Msg-Id";

    private DeadLetters() {
    }

    /**
     * @param message the message that used up its attempts
     * @param stream its stream
     * @param deliveries its delivery count
     * @param failure why its last delivery failed
     * @return the dead letter's headers
     */
    static Headers headersFor(Message message, String stream, long deliveries, Throwable failure) {
        Headers h = new Headers();
        Headers original = message.getHeaders();
        if (original != null) {
            for (Map.Entry<String, List<String>> e : original.entrySet()) {
                String key = e.getKey();
                String name = isDirective(key) ? NatsHeaders.DEAD_LETTER_ORIGINAL_PREFIX + key : key;
                for (String value : e.getValue()) {
                    h.add(name, asciiSafe(value, Integer.MAX_VALUE));
                }
            }
        }
        long sequence = message.metaData().streamSequence();
        h.put(NatsHeaders.DEAD_LETTER_SUBJECT, asciiSafe(message.getSubject(), MAX_VALUE))
                .put(NatsHeaders.DEAD_LETTER_STREAM, asciiSafe(stream, MAX_VALUE))
                .put(NatsHeaders.DEAD_LETTER_SEQUENCE, Long.toString(sequence))
                .put(NatsHeaders.DEAD_LETTER_DELIVERIES, Long.toString(deliveries))
                .put(NatsHeaders.DEAD_LETTER_REASON, asciiSafe(reason(failure), MAX_VALUE))
                .put(MSG_ID, asciiSafe("dlq-" + stream + "-" + sequence + "-" + storedNanos(message), MAX_VALUE));
        return h;
    }

    private static long storedNanos(Message message) {
        java.time.Instant t = message.metaData().timestamp().toInstant();
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    /**
     * For a dead letter too big to be stored: it goes without the original's data, and says so.
     *
     * @return the data to send instead: none
     */
    static byte[] omitData(Headers headers, byte[] data) {
        headers.put(NatsHeaders.DEAD_LETTER_DATA_OMITTED, Integer.toString(data.length));
        return new byte[0];
    }

    /** @return whether the server may act on a header of this name (all of {@code Nats-*}, any case) */
    static boolean isDirective(String name) {
        return name.regionMatches(true, 0, "Nats-", 0, 5);
    }

    /**
     * @return the failure as a dead letter reports it: every exception of the cause chain with its
     *         message, outermost first (containers wrap: Payara an MDB's exception in an
     *         EJBException, and a parse error is an adapter message around protobuf's own), a
     *         wrapper's message left out when it only repeats its cause's
     */
    static String reason(Throwable failure) {
        StringBuilder sb = new StringBuilder();
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Throwable t = failure; t != null && seen.add(t); t = t.getCause()) {
            if (sb.length() > 0) {
                sb.append("; caused by ");
            }
            sb.append(t.getClass().getName());
            String message = t.getMessage();
            Throwable cause = t.getCause();
            if (message != null && (cause == null
                    || !message.equals(cause.toString()) && !message.equals(cause.getMessage()))) {
                sb.append(": ").append(message);
            }
        }
        return sb.toString();
    }

    /**
     * Makes any text a valid NATS header value: line breaks become spaces, other control
     * characters are removed, every character outside printable ASCII is written as a backslash,
     * {@code u} and its four hex digits (Java's escape; "Kunde Müller" keeps its meaning and
     * becomes ASCII), and the result is cut to {@code max} characters, ending in {@code ...} when
     * cut (never inside an escape).
     *
     * @param text any text, possibly {@code null} (then empty)
     * @param max the longest result, at least 3
     * @return the safe value
     */
    static String asciiSafe(String text, int max) {
        if (text == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder(Math.min(text.length(), 256));
        int cut = 0; // the longest prefix of whole pieces that leaves room for "..."
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
                continue; // CRLF is one line break
            } else if (c == '\r' || c == '\n') {
                sb.append(' ');
            } else if (c < 0x20 || c == 0x7f) {
                continue;
            } else if (c > 0x7e) {
                sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
            if (sb.length() <= max - 3) {
                cut = sb.length();
            } else if (sb.length() > max) {
                sb.setLength(cut);
                return sb.append("...").toString();
            }
        }
        return sb.toString();
    }
}
