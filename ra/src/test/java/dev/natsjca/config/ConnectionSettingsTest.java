package dev.natsjca.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import jakarta.resource.spi.InvalidPropertyException;

class ConnectionSettingsTest {

    @Test
    void defaultsToNatsUrlKeyWithLocalFallback() throws Exception {
        String previous = System.getProperty("nats.url");
        System.clearProperty("nats.url");
        try {
            // NATS_URL may be set in the environment running the build; the default applies only without it.
            String expected = System.getenv("NATS_URL") != null ? System.getenv("NATS_URL") : "nats://127.0.0.1:4222";
            assertEquals(List.of(expected), ConnectionSettings.builder().build().servers());
        } finally {
            if (previous != null) {
                System.setProperty("nats.url", previous);
            }
        }
    }

    @Test
    void opentlsWhichTrustsEveryCertificateIsRefusedNamingTheProperty() {
        InvalidPropertyException e = assertThrows(InvalidPropertyException.class,
                () -> ConnectionSettings.builder().serverUrls("opentls://nats.example:4222").build());
        assertTrue(e.getMessage().contains("'serverUrls'") && e.getMessage().contains("opentls://nats.example:4222")
                && e.getMessage().contains("tls://"), e.getMessage());
    }

    @Test
    void clientsPingEveryFiveSecondsByDefaultSoAHalfOpenConnectionIsNoticedInSeconds() throws Exception {
        assertEquals(Duration.ofSeconds(5), ConnectionSettings.builder().serverUrls("nats://h:4222").build()
                .pingInterval());
        assertEquals(Duration.ofSeconds(5), ConnectionSettings.builder().serverUrls("nats://h:4222").build()
                .toOptions(null, null, null).build().getPingInterval());
    }

    @Test
    void resolvesPlaceholdersFromSystemProperties() throws Exception {
        System.setProperty("test.nats.servers", "nats://a:4222, nats://b:4223");
        try {
            ConnectionSettings s = ConnectionSettings.builder().serverUrls("${test.nats.servers}").build();
            assertEquals(List.of("nats://a:4222", "nats://b:4223"), s.servers());
        } finally {
            System.clearProperty("test.nats.servers");
        }
    }

    @Test
    void placeholderDefaultMayContainColons() throws Exception {
        ConnectionSettings s = ConnectionSettings.builder().serverUrls("${test.unset.key:nats://h:1234}").build();
        assertEquals(List.of("nats://h:1234"), s.servers());
    }

    @Test
    void unresolvablePlaceholderNamesPropertyAndKey() {
        InvalidPropertyException e = assertThrows(InvalidPropertyException.class,
                () -> ConnectionSettings.builder().serverUrls("${test.unset.key}").build());
        assertTrue(e.getMessage().contains("'serverUrls'"), e.getMessage());
        assertTrue(e.getMessage().contains("test.unset.key"), e.getMessage());
        assertTrue(e.getMessage().contains("TEST_UNSET_KEY"), e.getMessage());
    }

    @Test
    void rejectsBadUrlsNamingPropertyAndValue() {
        InvalidPropertyException e = assertThrows(InvalidPropertyException.class,
                () -> ConnectionSettings.builder().serverUrls("http://host:4222").build());
        assertTrue(e.getMessage().contains("'serverUrls'") && e.getMessage().contains("'http://host:4222'"),
                e.getMessage());
        assertThrows(InvalidPropertyException.class, () -> ConnectionSettings.builder().serverUrls("nats://:4222").build());
        assertThrows(InvalidPropertyException.class, () -> ConnectionSettings.builder().serverUrls("nats://h:4222,,nats://g:1").build());
        assertThrows(InvalidPropertyException.class, () -> ConnectionSettings.builder().serverUrls("nats://h:99999").build());
    }

    @Test
    void hostPortWithoutSchemeIsAccepted() throws Exception {
        assertEquals(List.of("localhost:4222"), ConnectionSettings.builder().serverUrls("localhost:4222").build().servers());
    }

    @Test
    void secretsNeverAppearInToStringOrErrors() throws Exception {
        ConnectionSettings s = ConnectionSettings.builder()
                .serverUrls("nats://alice:s3cret@host:4222").user("bob").password("hunter2").build();
        assertFalse(s.toString().contains("s3cret"), s.toString());
        assertFalse(s.toString().contains("hunter2"), s.toString());
        assertTrue(s.toString().contains("nats://***@host:4222"), s.toString());

        InvalidPropertyException e = assertThrows(InvalidPropertyException.class,
                () -> ConnectionSettings.builder().serverUrls("http://alice:s3cret@host:4222").build());
        assertFalse(e.getMessage().contains("s3cret"), e.getMessage());
    }

    @Test
    void redactsCredentialsInFreeText() {
        assertEquals("Unable to connect to NATS servers: [nats://***@h:4222, nats://g:4222]",
                ConnectionSettings.redactText("Unable to connect to NATS servers: [nats://u:p@h:4222, nats://g:4222]"));
    }

    @Test
    void passwordWithoutUserIsRejected() {
        InvalidPropertyException e = assertThrows(InvalidPropertyException.class,
                () -> ConnectionSettings.builder().password("x").build());
        assertTrue(e.getMessage().contains("'user'"), e.getMessage());
        assertFalse(e.getMessage().contains("'x'"), e.getMessage());
    }

    @Test
    void connectTimeoutAcceptsMillisAndIso() throws Exception {
        assertEquals(Duration.ofMillis(1500), ConnectionSettings.builder().connectTimeout("1500").build().connectTimeout());
        assertEquals(Duration.ofSeconds(3), ConnectionSettings.builder().connectTimeout("PT3S").build().connectTimeout());
        InvalidPropertyException e = assertThrows(InvalidPropertyException.class,
                () -> ConnectionSettings.builder().connectTimeout("soon").build());
        assertTrue(e.getMessage().contains("'connectTimeout'") && e.getMessage().contains("'soon'"), e.getMessage());
        assertThrows(InvalidPropertyException.class, () -> ConnectionSettings.builder().connectTimeout("0").build());
    }

    @Test
    void reconnectSettingsAreValidatedAndApplied() throws Exception {
        ConnectionSettings s = ConnectionSettings.builder().maxReconnects("-1").reconnectWait("PT0.5S")
                .pingInterval("30000").reconnectBufferSize("0").build();
        assertEquals(-1, s.maxReconnects());
        assertEquals(Duration.ofMillis(500), s.reconnectWait());
        assertEquals(Duration.ofSeconds(30), s.pingInterval());
        assertEquals(0, s.reconnectBufferSize());
        ConnectionSettings defaults = ConnectionSettings.builder().build();
        assertEquals(60, defaults.maxReconnects());
        assertEquals(8_388_608, defaults.reconnectBufferSize());

        InvalidPropertyException e = assertThrows(InvalidPropertyException.class,
                () -> ConnectionSettings.builder().maxReconnects("-2").build());
        assertTrue(e.getMessage().contains("'maxReconnects'") && e.getMessage().contains("'-2'"), e.getMessage());
        e = assertThrows(InvalidPropertyException.class,
                () -> ConnectionSettings.builder().reconnectBufferSize("-1").build());
        assertTrue(e.getMessage().contains("'reconnectBufferSize'"), e.getMessage());
        e = assertThrows(InvalidPropertyException.class,
                () -> ConnectionSettings.builder().tlsDefaultContext("yes").build());
        assertTrue(e.getMessage().contains("'tlsDefaultContext'") && e.getMessage().contains("'yes'"), e.getMessage());
    }

    @Test
    void tokenNeverAppearsInToString() throws Exception {
        ConnectionSettings s = ConnectionSettings.builder().token("t0ken-value").build();
        assertFalse(s.toString().contains("t0ken-value"), s.toString());
        assertTrue(s.toString().contains("token ***"), s.toString());
    }

    @Test
    void layersKeepEarlierValuesWhereLaterOnesAreUnset() throws Exception {
        ConnectionSettings s = ConnectionSettings.builder().serverUrls("nats://a:1").connectionName("ra")
                .serverUrls(null).connectionName(null).build();
        assertEquals(List.of("nats://a:1"), s.servers());
        assertEquals("ra", s.connectionName());
    }

    @Test
    void equalityFollowsSettings() throws Exception {
        ConnectionSettings a = ConnectionSettings.builder().serverUrls("nats://a:1").user("u").password("p").build();
        ConnectionSettings b = ConnectionSettings.builder().serverUrls("nats://a:1").user("u").password("p").build();
        ConnectionSettings c = ConnectionSettings.builder().serverUrls("nats://a:1").user("u").password("q").build();
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertNotEquals(a, c);
    }
}
