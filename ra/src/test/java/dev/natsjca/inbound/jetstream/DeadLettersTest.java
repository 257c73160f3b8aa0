package dev.natsjca.inbound.jetstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import io.nats.client.impl.Headers;

/** What a dead letter's header values become: valid for every NATS client, whatever the failure said. */
class DeadLettersTest {

    @Test
    void nonAsciiIsEscapedControlCharactersRemovedLineBreaksBecomeSpaces() {
        assertEquals("Kunde M\\u00fcller", DeadLetters.asciiSafe("Kunde Müller", 100));
        assertEquals("a b c", DeadLetters.asciiSafe("a\r\nb\nc", 100));
        assertEquals("tabgone", DeadLetters.asciiSafe("tab\tgone\u0000\u007f", 100));
        assertEquals("\\ud83d\\ude00 ok", DeadLetters.asciiSafe("\uD83D\uDE00 ok", 100));
        String safe = DeadLetters.asciiSafe("Zürich → 東京\r\n\u0001", 1000);
        new Headers().put("X", safe); // jnats accepts it: no exception
        assertTrue(safe.chars().allMatch(c -> c >= 0x20 && c <= 0x7e), safe);
    }

    @Test
    void longValuesAreCutWithAMarkerNeverInsideAnEscape() {
        assertEquals(1024, DeadLetters.asciiSafe("x".repeat(5000), 1024).length());
        assertTrue(DeadLetters.asciiSafe("x".repeat(5000), 1024).endsWith("..."));
        assertEquals("x".repeat(10), DeadLetters.asciiSafe("x".repeat(10), 10), "exactly fitting is not cut");
        for (int max = 6; max < 40; max++) {
            String cut = DeadLetters.asciiSafe("ab" + "ü".repeat(20), max);
            assertTrue(cut.length() <= max, cut);
            assertTrue(cut.endsWith("..."), cut);
            String body = cut.substring(0, cut.length() - 3);
            assertTrue(body.matches("ab(\\\\u00fc)*") || body.equals("a") || body.isEmpty(), max + ": " + cut);
        }
    }

    @Test
    void everyNatsHeaderIsADirectiveWhateverItsCase() {
        for (String name : new String[] {"Nats-Msg-Id", "Nats-Expected-Last-Subject-Sequence", "Nats-Rollup",
                "Nats-TTL", "Nats-Batch-Id", "nats-expected-stream", "NATS-Schedule"}) {
            assertTrue(DeadLetters.isDirective(name), name);
        }
        assertFalse(DeadLetters.isDirective("Trace-Id"));
        assertFalse(DeadLetters.isDirective("Natsy"));
    }

    @Test
    void reasonNamesTheWholeCauseChainWithoutRepeatingWrappers() {
        Exception root = new IllegalArgumentException("bad amount");
        Exception adapter = new IllegalStateException("order 7 rejected", root);
        Exception container = new RuntimeException(adapter); // message = adapter.toString()
        assertEquals("java.lang.RuntimeException; caused by java.lang.IllegalStateException: order 7 rejected; "
                + "caused by java.lang.IllegalArgumentException: bad amount", DeadLetters.reason(container));
    }
}
