package dev.natsjca.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * Publishes over the bare NATS protocol, the way clients other than jnats may: header values in
 * UTF-8, which jnats itself refuses to send.
 */
public final class RawPublisher {

    private RawPublisher() {
    }

    /**
     * Sends one HPUB and waits for the server's PONG, so it has been processed.
     *
     * @param headerLines header lines without CRLF, e.g. {@code "X-Name: Kunde Müller"} (sent as UTF-8)
     */
    public static void publish(int port, String subject, byte[] data, String... headerLines) {
        StringBuilder h = new StringBuilder("NATS/1.0\r\n");
        for (String line : headerLines) {
            h.append(line).append("\r\n");
        }
        byte[] headers = h.append("\r\n").toString().getBytes(StandardCharsets.UTF_8);
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(5000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            in.readLine(); // INFO
            OutputStream out = s.getOutputStream();
            out.write("CONNECT {\"verbose\":false,\"headers\":true}\r\n".getBytes(StandardCharsets.US_ASCII));
            out.write(("HPUB " + subject + " " + headers.length + " " + (headers.length + data.length) + "\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(headers);
            out.write(data);
            out.write("\r\nPING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String reply = in.readLine();
            if (!"PONG".equals(reply)) {
                throw new IllegalStateException("nats-server answered " + reply);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
