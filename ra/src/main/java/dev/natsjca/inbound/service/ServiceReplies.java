package dev.natsjca.inbound.service;

import dev.natsjca.api.NatsReply;
import dev.natsjca.payload.Protobuf;
import io.nats.client.Message;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;
import io.nats.service.ServiceMessage;

/** The messages a service endpoint answers with: the bean's reply, or a service error. */
final class ServiceReplies {

    /** The longest error description sent; a header, not a report. */
    static final int MAX_DESCRIPTION = 512;

    private ServiceReplies() {
    }

    /** @return the bean's reply, addressed to {@code replyTo} */
    static Message reply(String replyTo, NatsReply reply) {
        Headers headers = reply.headers();
        if (reply.protobuf() != null) {
            headers = Protobuf.headersFor(headers, reply.protobuf());
        }
        return NatsMessage.builder().subject(replyTo).headers(headers == null ? null : new Headers(headers))
                .data(reply.data()).build();
    }

    /** @return an empty message with the service protocol's error headers */
    static Message error(String replyTo, int code, String description) {
        return NatsMessage.builder().subject(replyTo).headers(new Headers()
                .put(ServiceMessage.NATS_SERVICE_ERROR, headerValue(description))
                .put(ServiceMessage.NATS_SERVICE_ERROR_CODE, Integer.toString(code))).build();
    }

    /**
     * @return {@code text} as a header value: one line of US-ASCII (what NATS headers carry),
     *         other characters as {@code \\uXXXX}, at most {@link #MAX_DESCRIPTION} characters
     */
    static String headerValue(String text) {
        String t = text == null || text.isBlank() ? "error" : text;
        StringBuilder sb = new StringBuilder(Math.min(t.length(), MAX_DESCRIPTION) + 8);
        for (int i = 0; i < t.length() && sb.length() < MAX_DESCRIPTION; i++) {
            char c = t.charAt(i);
            if (c == '\r' || c == '\n' || c == '\t') {
                sb.append(' ');
            } else if (c < 0x20 || c > 0x7e) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
