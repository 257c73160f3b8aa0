package dev.natsjca.config;

import java.io.IOException;

import io.nats.client.impl.SocketDataPortWithWriteTimeout;

/**
 * jnats' socket transport (with its write timeout, jnats' default), except that what jnats cannot
 * parse in the <em>headers</em> of incoming messages is replaced by {@code '?'} before jnats reads
 * it: bytes outside ASCII in values, and in keys also spaces and control characters. Data and
 * everything else pass unchanged.
 *
 * <p>Why: the server accepts any bytes in header values, and other clients send UTF-8 there
 * (nats.js and nats.go do not restrict values to ASCII), but jnats 2.26 validates incoming header
 * values as ASCII on its reader thread, and an {@code IllegalArgumentException} there ends the
 * reader without closing the connection: the connection then hangs until its pings fail, and
 * after the reconnect the server redelivers the same message, and so on. One such message would
 * stall an activation for good. With this transport the message arrives, its header reads
 * {@code "Kunde M??ller"} (one {@code '?'} per byte), and everything goes on.
 *
 * <p>How: a small state machine follows the server-to-client protocol across reads: control
 * lines up to their CRLF, {@code MSG} payloads skipped by their length, {@code HMSG} header
 * sections (the first of its two lengths) rewritten in place. The lengths stay the same, so the
 * protocol stays valid. Not thread-safe, like jnats' own ports: one reader thread uses it.
 */
public class HeaderSanitizingDataPort extends SocketDataPortWithWriteTimeout {

    private final Scanner scanner = new Scanner();

    /** Used by jnats through {@code Options.Builder.dataPortType}. */
    public HeaderSanitizingDataPort() {
    }

    @Override
    public int read(byte[] dst, int off, int len) throws IOException {
        int n = super.read(dst, off, len);
        if (n > 0) {
            scanner.scan(dst, off, n);
        }
        return n;
    }

    /** The protocol follower, apart so it can be tested on byte arrays cut anywhere. */
    static final class Scanner {
        /** Longest control line kept for parsing; longer ones (an INFO) are only skipped to their end. */
        private static final int MAX_LINE = 16 * 1024;

        private final byte[] line = new byte[MAX_LINE];
        private int lineLength;
        private boolean lineTooLong;
        /** Header bytes still to rewrite, then payload bytes (with the CRLF after it) still to skip. */
        private long headerLeft;
        private long skipLeft;
        /** Within a header section: still on its first line; on a line's key (before its colon). */
        private boolean headerFirstLine;
        private boolean inKey;

        /** Rewrites, in place, the header bytes of {@code buf[off..off+n)}. */
        void scan(byte[] buf, int off, int n) {
            // Tight loops, no call per byte: this runs on the reader thread over every message's
            // control line and headers (the payload is skipped by its length).
            int i = off;
            int end = off + n;
            while (i < end) {
                if (headerLeft > 0) {
                    int stop = (int) Math.min(end, i + headerLeft);
                    sanitizeHeaders(buf, i, stop);
                    headerLeft -= stop - i;
                    i = stop;
                } else if (skipLeft > 0) {
                    int stop = (int) Math.min(end, i + skipLeft);
                    skipLeft -= stop - i;
                    i = stop;
                } else {
                    int newline = i;
                    while (newline < end && buf[newline] != '\n') {
                        newline++;
                    }
                    int length = newline - i;
                    if (lineTooLong || length > MAX_LINE - lineLength) {
                        lineTooLong = true; // only skipped to its end
                    } else {
                        System.arraycopy(buf, i, line, lineLength, length);
                        lineLength += length;
                    }
                    if (newline < end) {
                        endOfLine();
                        i = newline + 1;
                    } else {
                        i = end;
                    }
                }
            }
        }

        /**
         * Within a header section: the first line (version and status) stays; in a key, anything
         * jnats refuses (outside printable ASCII, space) becomes {@code '?'}; in a value, any byte
         * outside ASCII does.
         */
        private void sanitizeHeaders(byte[] buf, int from, int to) {
            for (int k = from; k < to; k++) {
                byte b = buf[k];
                if (b == '\n') {
                    headerFirstLine = false;
                    inKey = true;
                } else if (headerFirstLine) {
                    continue;
                } else if (inKey) {
                    if (b == ':') {
                        inKey = false;
                    } else if ((b < 33 || b > 126) && b != '\r') { // negative: a byte >= 0x80
                        buf[k] = '?';
                    }
                } else if (b < 0) {
                    buf[k] = '?';
                }
            }
        }

        private void endOfLine() {
            int length = lineLength > 0 && line[lineLength - 1] == '\r' ? lineLength - 1 : lineLength;
            boolean parse = !lineTooLong;
            lineLength = 0;
            lineTooLong = false;
            if (!parse || length < 4) {
                return;
            }
            // jnats ends the op at a space or a tab, so both count after it
            boolean hmsg = startsWith(length, "HMSG");
            if (!hmsg && !startsWith(length, "MSG")) {
                return; // INFO, PING, PONG, +OK, -ERR: nothing follows them
            }
            // Allocation-free: this runs on the reader thread for every message of every connection.
            int tokens = 0;
            int lastStart = 0;
            int lastEnd = 0;
            int prevStart = 0;
            int prevEnd = 0;
            for (int k = 0; k < length; ) {
                while (k < length && blank(line[k])) {
                    k++;
                }
                if (k == length) {
                    break;
                }
                int start = k;
                while (k < length && !blank(line[k])) {
                    k++;
                }
                tokens++;
                prevStart = lastStart;
                prevEnd = lastEnd;
                lastStart = start;
                lastEnd = k;
            }
            if (hmsg && tokens >= 5) {
                long headers = number(prevStart, prevEnd);
                long total = number(lastStart, lastEnd);
                if (headers >= 0 && total >= headers) {
                    headerLeft = headers;
                    skipLeft = total - headers + 2;
                    headerFirstLine = true;
                    inKey = false;
                }
            } else if (!hmsg && tokens >= 4) {
                long total = number(lastStart, lastEnd);
                if (total >= 0) {
                    skipLeft = total + 2;
                }
            }
            // Otherwise not a line jnats can parse either: it fails on it itself.
        }

        private static boolean blank(byte b) {
            return b == ' ' || b == '\t';
        }

        /** @return the decimal number in {@code line[start..end)}, or -1 when it is none (or too long to be a length) */
        private long number(int start, int end) {
            if (end - start > 18) {
                return -1;
            }
            long value = 0;
            for (int k = start; k < end; k++) {
                byte b = line[k];
                if (b < '0' || b > '9') {
                    return -1;
                }
                value = value * 10 + (b - '0');
            }
            return end > start ? value : -1;
        }

        /** @return whether the line starts with {@code op} (any case) followed by a space or a tab */
        private boolean startsWith(int length, String op) {
            if (length <= op.length() || !blank(line[op.length()])) {
                return false;
            }
            for (int k = 0; k < op.length(); k++) {
                if (Character.toUpperCase((char) line[k]) != op.charAt(k)) {
                    return false;
                }
            }
            return true;
        }
    }
}
