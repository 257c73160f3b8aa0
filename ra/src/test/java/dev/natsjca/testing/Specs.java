package dev.natsjca.testing;

import dev.natsjca.inbound.NatsActivationSpec;

/** Activation specs as the tests build them, unvalidated like the container hands them over. */
public final class Specs {

    private Specs() {
    }

    /** @return a spec on {@code subject}; {@code stream} and {@code durable} may be null (core) */
    public static NatsActivationSpec of(String subject, String stream, String durable) {
        NatsActivationSpec s = new NatsActivationSpec();
        s.setSubject(subject);
        s.setStream(stream);
        s.setDurable(durable);
        return s;
    }
}
