package dev.natsjca.tx;

import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;

/**
 * Base of the adapter's XA resources, which leave nothing for recovery to do: by the end of
 * prepare (outbound, messages sent) or commit (inbound) their work is done; a batch the server
 * holds between an outbound prepare and its commit is dropped by the server within seconds when
 * the commit never comes, so after a crash there is nothing in doubt to commit. Each instance is
 * its own resource manager.
 *
 * <p>They keep no timer of their own: the transaction manager times transactions out and rolls
 * them back. So {@link #setTransactionTimeout} says honestly that it sets nothing.
 */
public abstract class NoRecoveryXAResource implements XAResource {

    @Override
    public Xid[] recover(int flag) {
        return new Xid[0];
    }

    @Override
    public boolean isSameRM(XAResource other) {
        return other == this;
    }

    /** @return 0: this resource enforces no timeout of its own */
    @Override
    public int getTransactionTimeout() {
        return 0;
    }

    /** @return false: this resource enforces no timeout of its own; the transaction manager does */
    @Override
    public boolean setTransactionTimeout(int seconds) {
        return false;
    }
}
