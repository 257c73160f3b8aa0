package dev.natsjca.it;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The application server's log file (system property {@code server.log}, set by each server
 * module), read from a mark on: what the server wrote while a test ran.
 */
final class ServerLog {

    private final Path file;
    private final long mark;

    private ServerLog(Path file, long mark) {
        this.file = file;
        this.mark = mark;
    }

    /** @return a reader positioned at the log's current end */
    static ServerLog markNow() {
        String name = System.getProperty("server.log");
        if (name == null) {
            throw new IllegalStateException("System property server.log is not set (the server modules set it)");
        }
        Path file = Path.of(name);
        try {
            return new ServerLog(file, Files.exists(file) ? Files.size(file) : 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return what the server logged since the mark */
    String sinceMark() {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long length = f.length();
            long from = length < mark ? 0 : mark; // rotated: read the new file whole
            byte[] bytes = new byte[(int) (length - from)];
            f.seek(from);
            f.readFully(bytes);
            return new String(bytes, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return which server the suite runs against: {@code wildfly} or {@code payara} */
    static String server() {
        return System.getProperty("arquillian.server", "unknown");
    }
}
