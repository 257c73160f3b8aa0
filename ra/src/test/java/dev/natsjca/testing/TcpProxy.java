package dev.natsjca.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy on a free loopback port in front of a nats-server, so a test can cut the network
 * between a client and the server without touching either:
 * <ul>
 * <li>{@link #blackhole()}: connections stay open but no byte passes either way, the way a
 *     silent network looks to a client (a link down, a peer gone without a FIN): writes succeed
 *     until the buffers are full, and nothing is lost. What was sent passes, in order, after
 *     {@link #restore()}, as TCP's retransmissions deliver it when the path heals. (Dropping
 *     those bytes would leave client and server with different pictures of the connection, a
 *     state no TCP network can produce);</li>
 * <li>{@link #cut()}: every connection is reset and new ones are refused until {@link #restore()};</li>
 * <li>{@link #restore()}: bytes flow again and connections are accepted.</li>
 * </ul>
 * One plain thread per direction per connection: a test fixture, not production code.
 */
public final class TcpProxy implements AutoCloseable {

    private final int targetPort;
    private final ServerSocket server;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile boolean flowing = true;
    private volatile boolean accepting = true;
    private volatile boolean closed;
    /** Pumps wait on it while blackholed. */
    private final Object gate = new Object();

    /** @param targetPort the nats-server's client port on 127.0.0.1 */
    public TcpProxy(int targetPort) {
        this.targetPort = targetPort;
        try {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Thread acceptor = new Thread(this::acceptLoop, "tcp-proxy-accept-" + port());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** @return {@code nats://127.0.0.1:<proxy port>} */
    public String url() {
        return "nats://127.0.0.1:" + port();
    }

    /** @return the proxy's port */
    public int port() {
        return server.getLocalPort();
    }

    /** Keeps connections open but lets nothing through, holding what was sent: a silent network. */
    public void blackhole() {
        flowing = false;
    }

    /** Resets every connection and refuses new ones. */
    public void cut() {
        accepting = false;
        flowing = false;
        for (Socket s : sockets) {
            closeQuietly(s);
        }
        sockets.clear();
        synchronized (gate) {
            gate.notifyAll();
        }
    }

    /** Lets bytes flow (what was held first) and accepts connections again. */
    public void restore() {
        accepting = true;
        synchronized (gate) {
            flowing = true;
            gate.notifyAll();
        }
    }

    @Override
    public void close() {
        closed = true;
        cut();
        closeQuietly(server);
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            if (!accepting) {
                closeQuietly(client);
                continue;
            }
            try {
                Socket upstream = new Socket();
                upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), 2000);
                sockets.add(client);
                sockets.add(upstream);
                if (!accepting) { // cut() ran while this one connected: it would outlive the cut
                    closeQuietly(client);
                    closeQuietly(upstream);
                    continue;
                }
                pump(client, upstream);
                pump(upstream, client);
            } catch (IOException e) {
                closeQuietly(client);
            }
        }
    }

    private void pump(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[16 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    // While blackholed, this pump stops reading: the sender's writes fill the
                    // socket buffers, and pass once restored.
                    if (!awaitFlowing(to)) {
                        break;
                    }
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // the other side went away, or cut()
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "tcp-proxy-pump-" + from.getPort());
        t.setDaemon(true);
        t.start();
    }

    /** @return whether bytes may pass to {@code to}; false once it or the proxy is closed */
    private boolean awaitFlowing(Socket to) throws InterruptedException {
        synchronized (gate) {
            while (!flowing && !closed && !to.isClosed()) {
                gate.wait(200); // woken by restore() or cut(); the timeout only rechecks a socket closed elsewhere
            }
        }
        return !closed && !to.isClosed();
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // nothing more to do for a test fixture
        }
    }
}
