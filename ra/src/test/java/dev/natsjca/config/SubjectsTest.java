package dev.natsjca.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import jakarta.resource.spi.InvalidPropertyException;

class SubjectsTest {

    @ParameterizedTest
    @ValueSource(strings = {"orders", "orders.placed", "orders.*", "orders.>", "*.placed", ">", "a.*.c.>", "$JS.API.INFO"})
    void acceptsValidSubscriptionSubjects(String subject) {
        assertNull(Subjects.subscribeProblem(subject));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "orders..placed", ".orders", "orders.", "orders placed", "orders.>.x", "ord*ers",
            "orders.pl>", "orders\t", "orders.\nx"})
    void rejectsInvalidSubscriptionSubjects(String subject) {
        assertNotNull(Subjects.subscribeProblem(subject), subject);
    }

    @ParameterizedTest
    @ValueSource(strings = {"orders.*", "orders.>", ">", "*"})
    void publishSubjectsHaveNoWildcards(String subject) {
        assertNotNull(Subjects.publishProblem(subject), subject);
        assertNull(Subjects.subscribeProblem(subject), subject);
    }

    @Test
    void nullSubjectIsAProblem() {
        assertNotNull(Subjects.subscribeProblem(null));
    }

    @Test
    void errorNamesThePropertyAndTheValue() {
        InvalidPropertyException e = assertThrows(InvalidPropertyException.class,
                () -> Subjects.requireSubscribeSubject("subject", "orders..placed"));
        assertTrue(e.getMessage().contains("'subject'"), e.getMessage());
        assertTrue(e.getMessage().contains("'orders..placed'"), e.getMessage());
        assertTrue(e.getMessage().contains("empty token"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"workers", "sample-workers", "a.b"})
    void acceptsQueueGroups(String q) {
        assertNull(Subjects.queueGroupProblem(q));
    }

    @Test
    void rejectsQueueGroupsWithWhitespaceOrWildcards() {
        assertEquals("it contains whitespace or a control character at index 1", Subjects.queueGroupProblem("a b"));
        assertNotNull(Subjects.queueGroupProblem("work*"));
        assertNotNull(Subjects.queueGroupProblem(""));
    }

    @Test
    void subjectListsAreSplitTrimmedAndRefusedWhenTheyOverlap() throws Exception {
        assertEquals(java.util.List.of("orders.placed", "orders.cancelled", "audit.>"),
                Subjects.requireSubscribeSubjects("subject", "orders.placed, orders.cancelled,audit.>"));
        assertEquals(java.util.List.of("a"), Subjects.requireSubscribeSubjects("subject", "a"));
        for (String[] bad : new String[][] {{"a.*, a.b", "'a.*' and 'a.b'"}, {"a.>, a.b.c", "'a.>' and 'a.b.c'"},
                {"x, x", "'x' and 'x'"}, {"*.b, a.*", "'*.b' and 'a.*'"}, {"a,,b", "'a,,b'"}, {"a, b c", "'a, b c'"}}) {
            jakarta.resource.spi.InvalidPropertyException e = org.junit.jupiter.api.Assertions.assertThrows(
                    jakarta.resource.spi.InvalidPropertyException.class,
                    () -> Subjects.requireSubscribeSubjects("subject", bad[0]));
            assertTrue(e.getMessage().contains("'subject'") && e.getMessage().contains(bad[1]), e.getMessage());
        }
    }

    @Test
    void overlapIsDecidedTokenByToken() {
        assertTrue(Subjects.overlap("a.*", "*.b"));
        assertTrue(Subjects.overlap(">", "a"));
        assertTrue(Subjects.overlap("a.>", "a.*.c"));
        org.junit.jupiter.api.Assertions.assertFalse(Subjects.overlap("a.>", "a"));
        org.junit.jupiter.api.Assertions.assertFalse(Subjects.overlap("a.*", "a.b.c"));
        org.junit.jupiter.api.Assertions.assertFalse(Subjects.overlap("orders.placed", "orders.cancelled"));
        org.junit.jupiter.api.Assertions.assertFalse(Subjects.overlap("a.b", "a"));
    }
}
