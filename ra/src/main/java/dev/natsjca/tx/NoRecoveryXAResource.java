package dev.natsjca.tx;

import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;

/**
 * Base of the adapter's XA resources, which never leave anything in doubt: by the end of prepare
 * (outbound) or commit (inbound) their work is done, so there is nothing to recover, and each
 * instance is its own resource manager.
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
