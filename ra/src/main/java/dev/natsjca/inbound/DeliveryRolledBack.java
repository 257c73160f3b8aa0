package dev.natsjca.inbound;

/**
 * The failure a transacted delivery is settled with when its transaction did not commit and the
 * endpoint threw nothing: its message says why (the adapter's words, safe to pass on).
 */
public final class DeliveryRolledBack extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    DeliveryRolledBack(String why) {
        super(why);
    }
}
