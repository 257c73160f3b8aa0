package dev.natsjca.testing;

import dev.natsjca.adapter.NatsResourceAdapter;

/**
 * The resource adapter started outside a server, as a test fixture: the in-test bootstrap
 * context with a bounded work manager, the adapter's default servers pointed at a test
 * nats-server. {@link #close()} stops the adapter, then the work manager's threads.
 */
public final class StartedAdapter implements AutoCloseable {

    private final TestWorkManager workManager;
    private final NatsResourceAdapter adapter;

    /**
     * @param serverUrl the adapter's default server
     * @param threads work manager threads (its queue holds twice as many)
     */
    public StartedAdapter(String serverUrl, int threads) throws Exception {
        this(serverUrl, threads, a -> { });
    }

    /** @param configure sets adapter properties before it starts (e.g. a deactivation timeout) */
    public StartedAdapter(String serverUrl, int threads, java.util.function.Consumer<NatsResourceAdapter> configure)
            throws Exception {
        this(serverUrl, threads, configure, null);
    }

    /**
     * @param configure sets adapter properties before it starts
     * @param transactions the registry the server's bootstrap context offers, or {@code null}
     */
    public StartedAdapter(String serverUrl, int threads, java.util.function.Consumer<NatsResourceAdapter> configure,
                          jakarta.transaction.TransactionSynchronizationRegistry transactions) throws Exception {
        workManager = new TestWorkManager(threads, threads * 2);
        adapter = new NatsResourceAdapter();
        adapter.setServerUrls(serverUrl);
        configure.accept(adapter);
        adapter.start(new TestBootstrapContext(workManager, transactions));
    }

    public TestWorkManager workManager() {
        return workManager;
    }

    public NatsResourceAdapter adapter() {
        return adapter;
    }

    @Override
    public void close() throws InterruptedException {
        adapter.stop();
        workManager.shutdown();
    }
}
