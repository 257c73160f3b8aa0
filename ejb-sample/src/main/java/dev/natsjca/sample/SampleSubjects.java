package dev.natsjca.sample;

/**
 * The sample's NATS contract: what other clients may publish to and listen on.
 */
public final class SampleSubjects {

    /** Greetings: the demo driver publishes here and {@link GreetingListener} consumes. */
    public static final String GREETINGS = "sample.greetings";
    /** {@link GreetingListener} confirms each greeting here: same payload, headers below. */
    public static final String GREETINGS_RECEIVED = "sample.greetings.received";
    /** {@link RelayListener} republishes what arrives here, through the connection factory, to {@link #RELAY_TO}. */
    public static final String RELAY = "sample.relay";
    /** Work items shared by the queue group {@link #WORKERS_QUEUE}. */
    public static final String WORK = "sample.work";
    /** Each worker confirms a work item here, naming itself in {@link #HEADER_WORKER}. */
    public static final String WORK_DONE = "sample.work.done";
    public static final String WORKERS_QUEUE = "sample-workers";
    /** JetStream stream of the order events: subjects {@code orders.>}, file storage. */
    public static final String ORDERS_STREAM = "ORDERS";
    /** {@code OrderPlaced} (protobuf {@code sample.orders.OrderPlaced}); anyone may place orders here. */
    public static final String ORDERS_PLACED = "orders.placed";
    /** {@code OrderAudited}, one per order, {@code Nats-Msg-Id: audit-<order_id>}. */
    public static final String ORDERS_AUDITED = "orders.audited";
    /** Orders that could not be audited after 3 attempts: original bytes plus {@code Dead-Letter-*} headers. */
    public static final String ORDERS_DLQ = "orders.dlq";
    /** The auditor's durable consumer on {@link #ORDERS_PLACED}. */
    public static final String ORDER_AUDITOR = "order-auditor";
    /** Orders from this customer always fail their audit: the dead-letter path, on purpose. */
    public static final String POISON_CUSTOMER = "poison";
    /** Core request/reply: this instance's status as JSON. */
    public static final String STATUS = "sample.status";
    public static final String STATUS_QUEUE = "sample-status";
    /** The NATS service the status responder is the {@code status} endpoint of. */
    public static final String SERVICE = "sample";
    public static final String SERVICE_VERSION = "1.0.0";
    /** The elected leader's job publishes {@code {"node":…,"token":…}} here every tick ({@link LeaderTimer}). */
    public static final String LEADER_TICK = "sample.leader.tick";
    /** Key-value bucket of the sample's settings: any key, UTF-8 values; {@link ConfigWatcher} follows it. */
    public static final String CONFIG_BUCKET = "sample_config";
    /** Core request/reply: a key (UTF-8) in, this instance's cached value as JSON out ({@link ConfigReader}). */
    public static final String CONFIG_GET = "sample.config.get";
    public static final String CONFIG_QUEUE = "sample-config";

    /** On a relay request: the subject to republish the payload to. */
    public static final String RELAY_TO = "Sample-Relay-To";
    /** On a confirmation: the subject the listener received the message on. */
    public static final String HEADER_RECEIVED_SUBJECT = "Sample-Received-Subject";
    /** On a confirmation: the node that received it. */
    public static final String HEADER_NODE = "Sample-Node";
    /** On a work confirmation: which worker activation processed it. */
    public static final String HEADER_WORKER = "Sample-Worker";

    /**
     * The logical reference to the connection factory; each server's descriptor maps it
     * ({@code META-INF/jboss-ejb3.xml}, {@code META-INF/glassfish-ejb-jar.xml}).
     */
    public static final String CONNECTION_FACTORY = "nats/ConnectionFactory";

    private SampleSubjects() {
    }
}
