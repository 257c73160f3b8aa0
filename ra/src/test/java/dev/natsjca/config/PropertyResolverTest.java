package dev.natsjca.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.resource.spi.InvalidPropertyException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Placeholders: whole, embedded, several, nested defaults, escapes and every way to get one wrong. */
class PropertyResolverTest {

    @BeforeEach
    void keys() {
        System.setProperty("test.pr.env", "prod");
        System.setProperty("test.pr.region", "eu-west");
        System.setProperty("test.pr.odd", "${test.pr.env}");
    }

    @AfterEach
    void clear() {
        System.clearProperty("test.pr.env");
        System.clearProperty("test.pr.region");
        System.clearProperty("test.pr.odd");
    }

    @Test
    void aValueWithoutPlaceholdersIsKeptAsItIs() throws Exception {
        assertEquals(" orders.* ", PropertyResolver.resolve("subject", " orders.* "));
        assertEquals("price$", PropertyResolver.resolve("subject", "price$"));
        assertNull(PropertyResolver.resolve("subject", null));
    }

    @Test
    void aWholePlaceholderIsResolvedIgnoringBlanksAroundIt() throws Exception {
        assertEquals("prod", PropertyResolver.resolve("subject", "${test.pr.env}"));
        assertEquals("prod", PropertyResolver.resolve("subject", "  ${ test.pr.env }  "));
        assertEquals("fallback", PropertyResolver.resolve("subject", "${test.pr.unset:fallback}"));
        assertEquals("", PropertyResolver.resolve("subject", "${test.pr.unset:}"));
    }

    @Test
    void anEmbeddedPlaceholderIsResolvedInPlace() throws Exception {
        assertEquals("prod.orders.*", PropertyResolver.resolve("subject", "${test.pr.env}.orders.*"));
        assertEquals("orders.prod.>", PropertyResolver.resolve("subject", "orders.${test.pr.env}.>"));
        assertEquals("dev.orders", PropertyResolver.resolve("subject", "${test.pr.unset:dev}.orders"));
    }

    @Test
    void severalPlaceholdersAreEachResolved() throws Exception {
        assertEquals("prod.eu-west.orders.prod",
                PropertyResolver.resolve("subject", "${test.pr.env}.${test.pr.region}.orders.${test.pr.env}"));
        assertEquals("prod.x.eu-west", PropertyResolver.resolve("subject",
                "${test.pr.env}.${test.pr.unset:x}.${test.pr.region}"));
    }

    @Test
    void aDefaultMayHoldAPlaceholderAndAColon() throws Exception {
        assertEquals("prod", PropertyResolver.resolve("subject", "${test.pr.unset:${test.pr.env}}"));
        assertEquals("z", PropertyResolver.resolve("subject", "${test.pr.unset:${test.pr.unset2:z}}"));
        assertEquals("nats://h:4222", PropertyResolver.resolve("serverUrls", "${test.pr.unset:nats://h:4222}"));
    }

    @Test
    void aLookedUpValueIsNotResolvedAgain() throws Exception {
        assertEquals("${test.pr.env}.a", PropertyResolver.resolve("subject", "${test.pr.odd}.a"));
    }

    @Test
    void anEscapedDollarIsLiteral() throws Exception {
        assertEquals("${test.pr.env}.prod", PropertyResolver.resolve("subject", "\\${test.pr.env}.${test.pr.env}"));
    }

    @Test
    void aMissingKeyWithoutDefaultNamesThePropertyAndTheKey() {
        InvalidPropertyException e = assertThrows(InvalidPropertyException.class,
                () -> PropertyResolver.resolve("subject", "${test.pr.env}.${test.pr.missing}.orders"));
        assertTrue(e.getMessage().contains("'subject'"), e.getMessage());
        assertTrue(e.getMessage().contains("'test.pr.missing'"), e.getMessage());
        assertTrue(e.getMessage().contains("TEST_PR_MISSING"), e.getMessage());
        InvalidPropertyException nested = assertThrows(InvalidPropertyException.class,
                () -> PropertyResolver.resolve("queueGroup", "${test.pr.unset:${test.pr.missing}}"));
        assertTrue(nested.getMessage().contains("'queueGroup'") && nested.getMessage().contains("'test.pr.missing'"),
                nested.getMessage());
    }

    @Test
    void malformedPlaceholdersFailWithTheirPosition() {
        InvalidPropertyException open = assertThrows(InvalidPropertyException.class,
                () -> PropertyResolver.resolve("subject", "orders.${test.pr.env"));
        assertTrue(open.getMessage().contains("position 8") && open.getMessage().contains("closing '}'"),
                open.getMessage());
        InvalidPropertyException empty = assertThrows(InvalidPropertyException.class,
                () -> PropertyResolver.resolve("subject", "a.${:x}"));
        assertTrue(empty.getMessage().contains("names no key"), empty.getMessage());
        InvalidPropertyException inKey = assertThrows(InvalidPropertyException.class,
                () -> PropertyResolver.resolve("subject", "${a${test.pr.env}}"));
        assertTrue(inKey.getMessage().contains("nested placeholder in its key"), inKey.getMessage());
    }

    @Test
    void aSecretsValueNeverAppearsInTheMessage() {
        InvalidPropertyException e = assertThrows(InvalidPropertyException.class,
                () -> PropertyResolver.resolve("password", "s3cr3t${test.pr.missing}"));
        assertFalse(e.getMessage().contains("s3cr3t"), e.getMessage());
        assertTrue(e.getMessage().contains("test.pr.missing"), e.getMessage());
        InvalidPropertyException url = assertThrows(InvalidPropertyException.class,
                () -> PropertyResolver.resolve("serverUrls", "nats://admin:s3cr3t@${test.pr.missing}:4222"));
        assertFalse(url.getMessage().contains("s3cr3t"), url.getMessage());
        assertTrue(url.getMessage().contains("'serverUrls'") && url.getMessage().contains("test.pr.missing"),
                url.getMessage());
    }
}
