package dev.natsjca.outbound;

import java.io.IOException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

import dev.natsjca.api.NatsException;
import dev.natsjca.api.NatsExpectedSequenceException;
import io.nats.client.JetStreamApiException;
import io.nats.client.support.NatsJetStreamConstants;

/** One translation of a JetStream publish failure, for publishes sent at once and at commit. */
final class JetStreamErrors {

    private JetStreamErrors() {
    }

    /**
     * @param subject the message's subject
     * @param failure what jnats threw or completed the ack future with (wrappers are looked through)
     * @return {@link NatsExpectedSequenceException} for an expected-sequence mismatch, else a
     *         {@link NatsException} naming the subject and the server's reason
     */
    static NatsException refused(String subject, Throwable failure) {
        Throwable t = failure;
        // jnats completes an async ack with a plain RuntimeException around the API error.
        while (t.getCause() != null && (t instanceof CompletionException || t instanceof ExecutionException
                || t.getClass() == RuntimeException.class)) {
            t = t.getCause();
        }
        if (t instanceof JetStreamApiException) {
            JetStreamApiException e = (JetStreamApiException) t;
            if (e.getApiErrorCode() == NatsJetStreamConstants.JS_WRONG_LAST_SEQUENCE) {
                return new NatsExpectedSequenceException("JetStream refused the message on subject '" + subject
                        + "': the expected last subject sequence does not match (" + e.getErrorDescription() + ")", e);
            }
            return new NatsException("JetStream refused the message on subject '" + subject + "': "
                    + e.getErrorDescription() + " (error " + e.getApiErrorCode() + ")", e);
        }
        if (t instanceof IOException) {
            return new NatsException("No JetStream acknowledgement for the message on subject '" + subject + "': "
                    + t.getMessage() + " (is a stream bound to the subject?)", t);
        }
        if (t instanceof NatsException) {
            return (NatsException) t;
        }
        return new NatsException("JetStream publish on subject '" + subject + "' failed: " + t, t);
    }
}
