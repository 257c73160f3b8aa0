package dev.natsjca.tx;

import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;

/**
 * Base of the adapter's XA resources, which never leave anything in doubt: by the end of prepare
 * (outbound) or commit (inbound) their work is done, so there is nothing to recover or forget,
 * and each instance is its own resource manager.
 */
public abstract class NoRecoveryXAResource implements XAResource {

    private volatile int timeoutSeconds;

    @Override
    public void forget(Xid xid) {
    }

    @Override
    public Xid[] recover(int flag) {
        return new Xid[0];
    }

    @Override
    public boolean isSameRM(XAResource other) {
        return other == this;
    }

    @Override
    public int getTransactionTimeout() {
        return timeoutSeconds;
    }

    @Override
    public boolean setTransactionTimeout(int seconds) {
        this.timeoutSeconds = seconds;
        return true;
    }
}
