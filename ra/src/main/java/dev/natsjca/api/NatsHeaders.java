package dev.natsjca.api;

/**
 * Header names the adapter writes and reads. Part of the wire contract with other NATS clients.
 */
public final class NatsHeaders {

    /** {@value}: set to {@link #PROTOBUF_CONTENT_TYPE} on protobuf payloads. */
    public static final String CONTENT_TYPE = "Content-Type";

    /** The content type of protobuf payloads: {@value}. */
    public static final String PROTOBUF_CONTENT_TYPE = "application/protobuf";

    /**
     * {@value}: the full protobuf message type of the payload, e.g. {@code sample.orders.OrderPlaced}
     * (the {@code package.Message} name from the {@code .proto} file).
     */
    public static final String PROTOBUF_TYPE = "Protobuf-Type";

    private NatsHeaders() {
    }
}
