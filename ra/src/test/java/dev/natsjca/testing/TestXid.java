package dev.natsjca.testing;

import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import javax.transaction.xa.Xid;

/**
 * A transaction id as a transaction manager makes one: each instance a new global transaction
 * (unique in this JVM run), one branch. For tests and the benchmark, which drive XA resources
 * the way a container does.
 */
public final class TestXid implements Xid {

    private static final String RUN = UUID.randomUUID().toString();
    private static final AtomicLong NEXT = new AtomicLong();

    private final byte[] gtrid = (RUN + "-" + NEXT.incrementAndGet()).getBytes(StandardCharsets.US_ASCII);

    @Override
    public int getFormatId() {
        return 4242;
    }

    @Override
    public byte[] getGlobalTransactionId() {
        return gtrid;
    }

    @Override
    public byte[] getBranchQualifier() {
        return new byte[] {1};
    }
}
