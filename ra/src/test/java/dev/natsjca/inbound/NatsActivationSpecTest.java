package dev.natsjca.inbound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import jakarta.resource.spi.InvalidPropertyException;

class NatsActivationSpecTest {

    private static NatsActivationSpec spec(String subject) {
        NatsActivationSpec spec = new NatsActivationSpec();
        spec.setSubject(subject);
        return spec;
    }

    @Test
    void subjectIsRequired() {
        InvalidPropertyException e = assertThrows(InvalidPropertyException.class, () -> spec(null).validate());
        assertTrue(e.getMessage().contains("'subject'"), e.getMessage());
    }

    @Test
    void malformedSubjectIsNamedWithItsValue() {
        InvalidPropertyException e = assertThrows(InvalidPropertyException.class, () -> spec("orders..placed").validate());
        assertTrue(e.getMessage().contains("'subject'") && e.getMessage().contains("'orders..placed'"), e.getMessage());
        e = assertThrows(InvalidPropertyException.class, () -> spec("orders.>.late").validate());
        assertTrue(e.getMessage().contains("'orders.>.late'"), e.getMessage());
    }

    @Test
    void streamSettingsWithoutAStreamAreRefusedNotIgnored() {
        NatsActivationSpec s = spec("orders.placed");
        s.setStreamMaxAge("PT1H");
        InvalidPropertyException e = assertThrows(InvalidPropertyException.class, s::validate);
        assertTrue(e.getMessage().contains("'streamMaxAge'") && e.getMessage().contains("'stream'"), e.getMessage());
    }

    @Test
    void wildcardsAndQueueGroupAreAccepted() throws Exception {
        NatsActivationSpec s = spec("orders.*.placed");
        s.setQueueGroup("auditors");
        ResolvedActivation r = s.resolved();
        assertEquals("orders.*.placed", r.subject());
        assertEquals("auditors", r.queueGroup());
        assertEquals(1, r.maxConcurrency());
    }

    @Test
    void maxPendingDefaultsBoundedAndIsForCoreNatsOnly() throws Exception {
        assertEquals(NatsActivationSpec.DEFAULT_MAX_PENDING, spec("orders").resolved().maxPending());
        NatsActivationSpec s = spec("orders");
        s.setMaxPending("0");
        InvalidPropertyException e = assertThrows(InvalidPropertyException.class, s::validate);
        assertTrue(e.getMessage().contains("'maxPending'") && e.getMessage().contains("'0'"), e.getMessage());
        s.setMaxPending("250");
        assertEquals(250, s.resolved().maxPending());
        s.setStream("ORDERS");
        e = assertThrows(InvalidPropertyException.class, s::validate);
        assertTrue(e.getMessage().contains("'maxPending'") && e.getMessage().contains("JetStream"), e.getMessage());
    }

    @Test
    void blankQueueGroupMeansNone() throws Exception {
        NatsActivationSpec s = spec("orders");
        s.setQueueGroup("");
        assertNull(s.resolved().queueGroup());
    }

    @Test
    void badQueueGroupIsNamedWithItsValue() {
        NatsActivationSpec s = spec("orders");
        s.setQueueGroup("audit ors");
        InvalidPropertyException e = assertThrows(InvalidPropertyException.class, s::validate);
        assertTrue(e.getMessage().contains("'queueGroup'") && e.getMessage().contains("'audit ors'"), e.getMessage());
    }

    @Test
    void maxConcurrencyMustBePositive() {
        NatsActivationSpec s = spec("orders");
        s.setMaxConcurrency("0");
        InvalidPropertyException e = assertThrows(InvalidPropertyException.class, s::validate);
        assertTrue(e.getMessage().contains("'maxConcurrency'") && e.getMessage().contains("'0'"), e.getMessage());
        s.setMaxConcurrency("many");
        assertThrows(InvalidPropertyException.class, s::validate);
    }

    @Test
    void placeholdersResolveBeforeValidation() throws Exception {
        System.setProperty("test.spec.subject", "orders.placed");
        try {
            assertEquals("orders.placed", spec("${test.spec.subject}").resolved().subject());
            assertEquals("fallback.subject", spec("${test.spec.unset:fallback.subject}").resolved().subject());
        } finally {
            System.clearProperty("test.spec.subject");
        }
    }

    @Test
    void anEmbeddedPlaceholderInTheSubjectIsResolvedNotSubscribedLiterally() throws Exception {
        System.setProperty("test.spec.env", "staging");
        try {
            assertEquals(java.util.List.of("staging.orders.*", "staging.refunds"),
                    spec("${test.spec.env}.orders.*,${test.spec.env}.refunds").resolved().subjects());
            InvalidPropertyException e = assertThrows(InvalidPropertyException.class,
                    () -> spec("${test.spec.unset.env}.orders.*").validate());
            assertTrue(e.getMessage().contains("'subject'") && e.getMessage().contains("'test.spec.unset.env'"),
                    e.getMessage());
            NatsActivationSpec js = spec("${test.spec.env}.orders");
            js.setStream("ORDERS_${test.spec.env}");
            js.setDurable("${test.spec.env}-auditor");
            assertEquals("ORDERS_staging", js.resolved().jetStream().stream());
            assertEquals("staging-auditor", js.resolved().jetStream().durable());
            NatsActivationSpec core = spec("orders");
            core.setDurable("${test.spec.unset.durable:}"); // stands for nothing: a core activation
            core.setMaxDeliver("${test.spec.unset.max:}");
            assertNull(core.resolved().jetStream());
        } finally {
            System.clearProperty("test.spec.env");
        }
    }

    @Test
    void toStringHidesPassword() {
        NatsActivationSpec s = spec("orders");
        s.setUser("svc");
        s.setPassword("hunter2");
        s.setServerUrls("nats://svc:tok3n@h:4222");
        assertFalse(s.toString().contains("hunter2"), s.toString());
        assertFalse(s.toString().contains("tok3n"), s.toString());
    }
}
