package dev.natsjca.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** The protocol follower of {@link HeaderSanitizingDataPort}, on server-to-client streams cut anywhere. */
class HeaderSanitizingDataPortTest {

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A stream as a server sends it: INFO, a MSG whose payload looks like protocol, HMSGs, PING. */
    private static byte[][] stream() {
        byte[] headers = utf8("NATS/1.0\r\nX-Name: Kunde Müller\r\nX-City: Zürich\r\nBad Kéy: v a\r\n\r\n");
        byte[] cleanHeaders = utf8("NATS/1.0\r\nX-Name: Kunde M??ller\r\nX-City: Z??rich\r\nBad?K??y: v a\r\n\r\n");
        byte[] payload = utf8("Grüße\r\nHMSG fake 1 10 20\r\n"); // non-ASCII data stays as it is
        ByteArrayOutputStream in = new ByteArrayOutputStream();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (ByteArrayOutputStream o : new ByteArrayOutputStream[] {in, out}) {
            o.writeBytes(utf8("INFO {\"server_id\":\"x\",\"headers\":true,\"max_payload\":1048576}\r\n"));
            o.writeBytes(utf8("MSG orders.x 1 " + payload.length + "\r\n"));
            o.writeBytes(payload);
            o.writeBytes(utf8("\r\n"));
        }
        for (int round = 0; round < 3; round++) {
            String control = "HMSG orders.y 2 _INBOX.r" + round + " " + headers.length + " "
                    + (headers.length + payload.length) + "\r\n";
            in.writeBytes(utf8(control));
            in.writeBytes(headers);
            in.writeBytes(payload);
            in.writeBytes(utf8("\r\nPING\r\n"));
            out.writeBytes(utf8(control));
            out.writeBytes(cleanHeaders);
            out.writeBytes(payload);
            out.writeBytes(utf8("\r\nPING\r\n"));
        }
        byte[] status = utf8("NATS/1.0 503\r\n\r\n");
        for (ByteArrayOutputStream o : new ByteArrayOutputStream[] {in, out}) {
            o.writeBytes(utf8("HMSG _INBOX.z 3 " + status.length + " " + status.length + "\r\n"));
            o.writeBytes(status);
            o.writeBytes(utf8("\r\n+OK\r\n"));
        }
        return new byte[][] {in.toByteArray(), out.toByteArray()};
    }

    @Test
    void nonAsciiHeaderBytesBecomeQuestionMarksAndNothingElseChanges() {
        byte[][] s = stream();
        byte[] buf = s[0].clone();
        new HeaderSanitizingDataPort.Scanner().scan(buf, 0, buf.length);
        assertArrayEquals(s[1], buf, new String(buf, StandardCharsets.UTF_8));
    }

    @Test
    void theStreamMayBeCutAnywhere() {
        byte[][] s = stream();
        Random random = new Random(7);
        for (int trial = 0; trial < 2000; trial++) {
            byte[] buf = s[0].clone();
            HeaderSanitizingDataPort.Scanner scanner = new HeaderSanitizingDataPort.Scanner();
            int at = 0;
            while (at < buf.length) {
                int n = Math.min(buf.length - at, 1 + random.nextInt(trial % 3 == 0 ? 3 : 64));
                scanner.scan(buf, at, n);
                at += n;
            }
            assertArrayEquals(s[1], buf, "trial " + trial);
        }
    }

    @Test
    void aMessageWithoutNonAsciiHeadersIsLeftAlone() {
        byte[] headers = utf8("NATS/1.0\r\nNats-Msg-Id: a-1\r\n\r\n");
        String frame = "HMSG s 1 " + headers.length + " " + (headers.length + 3) + "\r\n" + new String(headers,
                StandardCharsets.UTF_8) + "\u00ff\u00feX\r\n";
        byte[] buf = frame.getBytes(StandardCharsets.ISO_8859_1);
        byte[] before = buf.clone();
        new HeaderSanitizingDataPort.Scanner().scan(buf, 0, buf.length);
        assertArrayEquals(before, buf);
        assertEquals((byte) 0xff, buf[buf.length - 5], "binary payload bytes are never touched");
    }

    /**
     * Separators are spaces or tabs (after the op too, as jnats reads it), several between the
     * lengths; a line whose length is no number is not followed. The first line's payload looks
     * like an HMSG: were that line not followed, the payload would be taken for protocol.
     */
    @Test
    void tabsRepliesAndMalformedLengthsAreParsedAsTheProtocolSays() {
        byte[] headers = utf8("NATS/1.0\r\nX-Name: Müller\r\n\r\n");
        byte[] clean = utf8("NATS/1.0\r\nX-Name: M??ller\r\n\r\n");
        byte[] payload = utf8("HMSG x 1 2 3\r\n");
        String data = new String(payload, StandardCharsets.UTF_8);
        String prefix = "MSG\ta.b  1\t _INBOX.r " + payload.length + "\r\n" + data + "\r\n"
                + "MSG a 1 twelve\r\n"
                + "HMSG \t a.b\t9  _INBOX.q\t" + headers.length + "   " + (headers.length + payload.length) + " \r\n";
        ByteArrayOutputStream in = new ByteArrayOutputStream();
        in.writeBytes(utf8(prefix));
        in.writeBytes(headers);
        in.writeBytes(payload);
        in.writeBytes(utf8("\r\n"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(utf8(prefix));
        out.writeBytes(clean);
        out.writeBytes(payload);
        out.writeBytes(utf8("\r\n"));
        byte[] buf = in.toByteArray();
        new HeaderSanitizingDataPort.Scanner().scan(buf, 0, buf.length);
        assertArrayEquals(out.toByteArray(), buf, new String(buf, StandardCharsets.UTF_8));
    }

    /** A control line longer than the scanner keeps (a big INFO), cut anywhere, is skipped to its end; what follows is followed. */
    @Test
    void aControlLineLongerThanWhatIsKeptIsSkippedAndTheNextFrameStillSanitized() {
        byte[] headers = utf8("NATS/1.0\r\nX-Name: Müller\r\n\r\n");
        byte[] clean = utf8("NATS/1.0\r\nX-Name: M??ller\r\n\r\n");
        String info = "INFO {\"pad\":\"" + "x".repeat(40 * 1024) + "\"}\r\n";
        String control = "HMSG a 1 " + headers.length + " " + (headers.length + 2) + "\r\n";
        ByteArrayOutputStream in = new ByteArrayOutputStream();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        in.writeBytes(utf8(info + control));
        in.writeBytes(headers);
        in.writeBytes(utf8("ok\r\n"));
        out.writeBytes(utf8(info + control));
        out.writeBytes(clean);
        out.writeBytes(utf8("ok\r\n"));
        for (int chunk : new int[] {Integer.MAX_VALUE, 7000, 100}) {
            byte[] buf = in.toByteArray();
            HeaderSanitizingDataPort.Scanner scanner = new HeaderSanitizingDataPort.Scanner();
            for (int at = 0; at < buf.length; at += chunk) {
                scanner.scan(buf, at, Math.min(chunk, buf.length - at));
            }
            assertArrayEquals(out.toByteArray(), buf, "chunks of " + chunk);
        }
    }

    /** A tab after the op (jnats accepts it): the payload, which looks like protocol, must not be followed. */
    @Test
    void aTabAfterTheOpIsFollowedLikeASpace() {
        String prefix = "MSG\ta\t1\t14\r\nHMSG x 1 40 40\r\nMSG b 2 3\r\nabc\r\n";
        String tail = "HMSG c 3 29 31\r\n";
        String headers = "NATS/1.0\r\nX-Name: Müller\r\n\r\n";
        byte[] buf = utf8(prefix + tail + headers + "ok\r\n");
        new HeaderSanitizingDataPort.Scanner().scan(buf, 0, buf.length);
        assertArrayEquals(utf8(prefix + tail + "NATS/1.0\r\nX-Name: M??ller\r\n\r\nok\r\n"), buf,
                new String(buf, StandardCharsets.UTF_8));
    }
}
