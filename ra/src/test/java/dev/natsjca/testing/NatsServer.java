package dev.natsjca.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A real {@code nats-server} process for tests: started on a free (or given) loopback port with
 * JetStream storage and monitoring in a temp directory, so a test can stop, restart or kill it.
 *
 * <p>The binary is the system property {@code nats.server.bin} (the build sets it: the newest
 * release, and the oldest supported in a second run of the contract tests), else
 * {@code $NATS_SERVER_BIN}, else {@code nats-server} on the {@code PATH} or in {@code /usr/sbin}.
 * {@link #version()} tells tests which one runs, for features that need a newer server.
 */
public final class NatsServer implements AutoCloseable {

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
    private static final Pattern CLIENT_PORT = Pattern.compile("\"nats\"\\s*:\\s*\\[\\s*\"(?:nats|tls)://[^\"]*:(\\d+)\"");
    private static final Pattern MONITOR_PORT = Pattern.compile("\"monitoring\"\\s*:\\s*\\[\\s*\"http://[^\"]*:(\\d+)\"");

    private final Path workDir;
    private final Path storeDir;
    private final Path logFile;
    private final List<String> extraArgs;
    private int port;
    private int monitorPort;
    private Process process;
    private boolean jetStream = true;

    private NatsServer(int port, List<String> extraArgs) {
        this.port = port;
        this.extraArgs = List.copyOf(extraArgs);
        try {
            this.workDir = Files.createTempDirectory("nats-test-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.storeDir = workDir.resolve("jetstream");
        this.logFile = workDir.resolve("nats-server.log");
    }

    /** Starts a server with JetStream on a free loopback port. */
    public static NatsServer start() {
        return start(0);
    }

    /**
     * Starts a server with JetStream.
     *
     * @param port the client port, or 0 for a free one
     * @param extraArgs more nats-server arguments (e.g. {@code --user}, {@code --pass})
     */
    public static NatsServer start(int port, String... extraArgs) {
        NatsServer server = new NatsServer(port, List.of(extraArgs));
        server.startProcess();
        return server;
    }

    /** @return {@code nats://127.0.0.1:<port>} */
    public String url() {
        return "nats://127.0.0.1:" + port;
    }

    /** @return the client port */
    public int port() {
        return port;
    }

    /** @return the HTTP monitoring port (for {@code /connz}, {@code /subsz}, ...) */
    public int monitorPort() {
        return monitorPort;
    }

    /** @return the process id (for {@code nats-server --signal}) */
    public synchronized long pid() {
        if (process == null) {
            throw new IllegalStateException("nats-server on port " + port + " is not running");
        }
        return process.pid();
    }

    /**
     * Puts the server into lame-duck mode ({@code nats-server --signal ldm=<pid>}): it stops
     * taking clients, tells the connected ones, and closes them after its grace period.
     */
    public void lameDuck() {
        List<String> cmd = List.of(binary(), "--signal", "ldm=" + pid());
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(cmd + " failed: " + out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** @return whether the process is alive */
    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** Stops the server gracefully (SIGTERM), keeping its JetStream store for a restart. */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        waitForExit();
    }

    /** Kills the server (SIGKILL): a crash, as clients see it. */
    public synchronized void kill() {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        waitForExit();
    }

    /** Starts the server again on the same port with the same JetStream store. */
    public synchronized void restart() {
        stop();
        startProcess();
    }

    /** Starts the server again after {@link #stop()} or {@link #kill()}. */
    public synchronized void startAgain() {
        startAgain(jetStream);
    }

    /**
     * Starts the server again after {@link #stop()} or {@link #kill()}, with or without JetStream
     * (the store stays; a server without JetStream answers JetStream requests with 503).
     */
    public synchronized void startAgain(boolean withJetStream) {
        if (isRunning()) {
            throw new IllegalStateException("nats-server is still running on port " + port);
        }
        jetStream = withJetStream;
        startProcess();
    }

    /**
     * Reads a monitoring endpoint, e.g. {@code /connz?subs=1}.
     *
     * @return the JSON body
     */
    public String monitor(String pathAndQuery) {
        try {
            java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder()
                    .connectTimeout(Duration.ofSeconds(5)).build();
            java.net.http.HttpRequest request = java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.1:" + monitorPort + pathAndQuery))
                    .timeout(Duration.ofSeconds(5)).build();
            return client.send(request, java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * @return how many subscriptions the server holds on exactly this subject (from {@code /subsz})
     */
    public int subscriptionCount(String subject) {
        Matcher m = Pattern.compile("\"subject\":\\s*\"" + Pattern.quote(subject) + "\"")
                .matcher(monitor("/subsz?subs=1&limit=100000"));
        int found = 0;
        while (m.find()) {
            found++;
        }
        return found;
    }

    /** @return the server's log so far, for failure messages */
    public String log() {
        try {
            return Files.exists(logFile) ? Files.readString(logFile, StandardCharsets.UTF_8) : "(no log)";
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    /** Stops the server and deletes its temp directory. */
    @Override
    public synchronized void close() {
        kill();
        try (Stream<Path> paths = Files.walk(workDir)) {
            paths.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Starts the process; on its own port again (a restart), once more while that port is taken
     * for a moment (a client socket of the system under test may hold it as its local port),
     * until {@link #READY_TIMEOUT}.
     */
    private void startProcess() {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (true) {
            try {
                startProcessOnce();
                return;
            } catch (IllegalStateException e) {
                if (port == 0 || !String.valueOf(e.getMessage()).contains("address already in use")
                        || System.nanoTime() > deadline) {
                    throw e;
                }
                pause();
            }
        }
    }

    private void startProcessOnce() {
        Path portsDir = workDir.resolve("ports");
        try {
            Files.createDirectories(portsDir);
            try (Stream<Path> old = Files.list(portsDir)) {
                for (Path p : (Iterable<Path>) old::iterator) {
                    Files.delete(p);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> cmd = new ArrayList<>(List.of(binary(), "-a", "127.0.0.1", "-p", port == 0 ? "-1" : Integer.toString(port),
                "-m", "-1", "-sd", storeDir.toString(), "-l", logFile.toString(),
                "--ports_file_dir", portsDir.toString()));
        if (jetStream) {
            cmd.add("-js");
        }
        cmd.addAll(extraArgs);
        try {
            process = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(workDir.resolve("stdout.log").toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start " + cmd, e);
        }
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("nats-server exited with " + process.exitValue() + ": " + log());
            }
            String ports = readPortsFile(portsDir);
            if (ports != null) {
                Matcher client = CLIENT_PORT.matcher(ports);
                Matcher monitor = MONITOR_PORT.matcher(ports);
                if (client.find() && monitor.find()) {
                    port = Integer.parseInt(client.group(1));
                    monitorPort = Integer.parseInt(monitor.group(1));
                    if (accepts(port)) {
                        return;
                    }
                }
            }
            pause();
        }
        process.destroyForcibly();
        throw new IllegalStateException("nats-server not ready within " + READY_TIMEOUT + ": " + log());
    }

    private static String readPortsFile(Path portsDir) {
        try (Stream<Path> files = Files.list(portsDir)) {
            Path f = files.filter(p -> p.getFileName().toString().endsWith(".ports")).findFirst().orElse(null);
            return f == null ? null : Files.readString(f, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return null;
        }
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private void waitForExit() {
        try {
            if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    /** Polling interval while waiting for the server's ports file; the wait itself has a deadline. */
    private static void pause() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static volatile String version;

    /** @return the version of the binary tests run, e.g. {@code 2.9.10} */
    public static String version() {
        String v = version;
        if (v == null) {
            try {
                Process p = new ProcessBuilder(binary(), "--version").redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                if (!p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("v?(\\d+\\.\\d+\\.\\d+)").matcher(out);
                if (!m.find()) {
                    throw new IllegalStateException("no version in '" + out.trim() + "'");
                }
                v = m.group(1);
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            version = v;
        }
        return v;
    }

    /** @return whether the binary tests run is {@code minimum} (e.g. {@code "2.10.0"}) or newer */
    public static boolean atLeast(String minimum) {
        String[] have = version().split("\\.");
        String[] need = minimum.split("\\.");
        for (int i = 0; i < 3; i++) {
            int h = Integer.parseInt(have[i]);
            int n = i < need.length ? Integer.parseInt(need[i]) : 0;
            if (h != n) {
                return h > n;
            }
        }
        return true;
    }

    private static String binary() {
        String chosen = System.getProperty("nats.server.bin"); // the build's matrix: newest or oldest
        if (chosen != null && !chosen.isBlank()) {
            if (!Files.isExecutable(Paths.get(chosen))) {
                throw new IllegalStateException("nats-server " + chosen + " (system property nats.server.bin) "
                        + "is not an executable: run the build (it fetches the servers) or point "
                        + "-Dnats.server.newest / -Dnats.server.oldest at a nats-server binary");
            }
            return chosen;
        }
        String fromEnv = System.getenv("NATS_SERVER_BIN");
        if (fromEnv != null && !fromEnv.isBlank()) {
            return fromEnv;
        }
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)));
        dirs.addAll(List.of("/usr/sbin", "/usr/local/sbin", "/usr/local/bin", "/usr/bin"));
        for (String dir : dirs) {
            if (!dir.isEmpty()) {
                Path candidate = Paths.get(dir, "nats-server");
                if (Files.isExecutable(candidate)) {
                    return candidate.toString();
                }
            }
        }
        throw new IllegalStateException("nats-server not found: install it (Debian: apt-get install nats-server) "
                + "or set NATS_SERVER_BIN");
    }
}
