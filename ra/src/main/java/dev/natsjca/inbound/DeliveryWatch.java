package dev.natsjca.inbound;

/**
 * Watches one delivery while its bean runs (see {@link EndpointActivation#watch}); closed when
 * the delivery ends, whatever it came to.
 */
@FunctionalInterface
public interface DeliveryWatch extends AutoCloseable {

    /** A watch that does nothing: deliveries without a processing limit. */
    DeliveryWatch NONE = () -> { };

    /** Ends the watch; never throws. */
    @Override
    void close();
}
