package dev.natsjca.inbound.selector;

import java.util.List;
import java.util.Map;

import io.nats.client.impl.Headers;

/**
 * The state of one evaluation: the message, and registers through which numeric nodes return
 * their result without boxing it. One per {@link Selector#matches} call, never shared between
 * threads.
 */
final class Eval {

    private final String subject;
    private final Headers headers;

    /** The header value an {@code ANY(...)} predicate is testing, {@code null} when the header is absent. */
    String current;

    /** The last numeric result: {@link #d} when {@code isDouble}, else {@link #l}. */
    boolean isDouble;
    long l;
    double d;

    Eval(String subject, Headers headers) {
        this.subject = subject;
        this.headers = headers;
    }

    String subject() {
        return subject;
    }

    /** @return the first value of the header, {@code null} when absent */
    String header(String name) {
        if (headers == null) {
            return null;
        }
        // jnats drops a header that has no values, so a key present means a first value exists.
        String value = headers.getFirst(name);
        if (value != null) {
            return value;
        }
        List<String> values = ignoringCase(name);
        return values == null ? null : values.get(0);
    }

    /** @return every value of the header, {@code null} when absent */
    List<String> values(String name) {
        if (headers == null) {
            return null;
        }
        List<String> values = headers.get(name);
        return values != null ? values : ignoringCase(name);
    }

    private List<String> ignoringCase(String name) {
        if (headers.isEmpty()) {
            return null;
        }
        for (Map.Entry<String, List<String>> e : headers.entrySet()) {
            if (e.getKey().equalsIgnoreCase(name) && !e.getValue().isEmpty()) {
                return e.getValue();
            }
        }
        return null;
    }

    /** @return token {@code n} (1-based) of the subject, {@code null} beyond its last token */
    String token(int n) {
        if (subject == null) {
            return null;
        }
        int start = 0;
        for (int k = 1; k < n; k++) {
            int dot = subject.indexOf('.', start);
            if (dot < 0) {
                return null;
            }
            start = dot + 1;
        }
        int end = subject.indexOf('.', start);
        if (end < 0) {
            return start == 0 ? subject : subject.substring(start);
        }
        return subject.substring(start, end);
    }

    boolean setLong(long value) {
        isDouble = false;
        l = value;
        return true;
    }

    boolean setDouble(double value) {
        isDouble = true;
        d = value;
        return true;
    }
}
