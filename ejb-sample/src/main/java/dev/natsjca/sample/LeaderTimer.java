package dev.natsjca.sample;

import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.format.DateTimeParseException;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

import dev.natsjca.api.NatsConnection;
import dev.natsjca.api.NatsConnectionFactory;
import dev.natsjca.leader.LeaderElection;
import dev.natsjca.leader.Leadership;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.ejb.Lock;
import jakarta.ejb.LockType;
import jakarta.ejb.Singleton;
import jakarta.ejb.Startup;
import jakarta.ejb.Timeout;
import jakarta.ejb.Timer;
import jakarta.ejb.TimerConfig;
import jakarta.ejb.TimerService;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;

/**
 * Runs a job on exactly one server instance: every {@code sample.leader.interval} (MicroProfile
 * Config, default 1 s) it acquires or renews leadership of key {@value #KEY} in bucket
 * {@value #BUCKET} (TTL {@code sample.leader.ttl}, default 5 s; {@code sample.replicas} replicas
 * when set) and, only while leader, runs the
 * job with the fencing token. The job publishes {@code {"node":…,"token":…}} to
 * {@value SampleSubjects#LEADER_TICK}. It steps down when the application stops, so another
 * instance takes over at its next tick.
 *
 * <p>No transaction: the election's key-value writes and the tick must leave at once, not at a
 * commit. Container-managed write lock: ticks never overlap, nor with the step-down.
 */
@Singleton
@Startup
@TransactionAttribute(TransactionAttributeType.NOT_SUPPORTED)
public class LeaderTimer {

    /** The key-value bucket of the election. */
    public static final String BUCKET = "sample_leader";
    /** The key the leader holds. */
    public static final String KEY = "timer";

    private static final System.Logger LOG = System.getLogger(LeaderTimer.class.getName());

    @Resource
    private TimerService timers;

    @Resource(name = SampleSubjects.CONNECTION_FACTORY)
    private NatsConnectionFactory nats;

    private LeaderElection election;
    private volatile Leadership current;
    /** A tick failed and nothing has succeeded since: the next failures are logged quietly. */
    private boolean failing;

    @PostConstruct
    void start() {
        Config config = ConfigProvider.getConfig();
        Duration interval = duration(config, "sample.leader.interval", Duration.ofSeconds(1));
        Duration ttl = duration(config, "sample.leader.ttl", Duration.ofSeconds(5));
        LeaderElection.Builder builder = LeaderElection.builder().bucket(BUCKET).key(KEY).ttl(ttl); // candidate: the node name
        // Only when set: an election that asks for no count leaves an existing bucket's alone.
        config.getOptionalValue("sample.replicas", Integer.class).ifPresent(builder::replicas);
        election = builder.build();
        if (interval.compareTo(election.lease()) >= 0) {
            throw new IllegalStateException("Invalid value for sample.leader.interval: '" + interval
                    + "': must be shorter than the lease of " + election.lease() + " (four fifths of sample.leader.ttl "
                    + ttl + "), or leadership lapses between ticks");
        }
        timers.createIntervalTimer(0, interval.toMillis(), new TimerConfig("sample-leader-timer", false));
        LOG.log(Level.INFO, "Leader timer for {0} every {1}, TTL {2}", election, interval, ttl);
    }

    @Timeout
    void tick(Timer timer) {
        try (NatsConnection connection = nats.getConnection()) {
            Leadership leadership = election.tick(connection);
            current = leadership;
            if (leadership.isLeader()) {
                job(connection, leadership);
            }
            failing = false;
        } catch (RuntimeException e) {
            current = null;
            LOG.log(failing ? Level.DEBUG : Level.WARNING, "Leader timer tick failed; trying again next tick", e);
            failing = true;
        }
    }

    /** The leader's job: tells the world who leads, with the fencing token. */
    private void job(NatsConnection connection, Leadership leadership) {
        String tick = jakarta.json.Json.createObjectBuilder().add("node", Node.NAME).add("token", leadership.token())
                .build().toString();
        connection.publish(SampleSubjects.LEADER_TICK, null, tick.getBytes(StandardCharsets.UTF_8));
        LOG.log(Level.INFO, "Leader tick: {0}", tick);
    }

    /** @return this node's leadership as of the last tick; {@code null} before the first or after a failed one */
    @Lock(LockType.READ)
    public Leadership leadership() {
        return current;
    }

    @PreDestroy
    void stop() {
        for (Timer t : timers.getTimers()) {
            t.cancel();
        }
        try (NatsConnection connection = nats.getConnection()) {
            election.stepDown(connection);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "Leader timer could not step down; another node takes over when the key "
                    + "expires", e);
        }
    }

    private static Duration duration(Config config, String key, Duration fallback) {
        String v = config.getOptionalValue(key, String.class).orElse(null);
        if (v == null || v.isBlank()) {
            return fallback;
        }
        try {
            Duration d = v.trim().chars().allMatch(Character::isDigit) ? Duration.ofMillis(Long.parseLong(v.trim()))
                    : Duration.parse(v.trim());
            if (!d.isNegative() && !d.isZero()) {
                return d;
            }
        } catch (DateTimeParseException | NumberFormatException e) {
            // reported below, with the key and value
        }
        throw new IllegalStateException("Invalid value for " + key + ": '" + v
                + "': expected milliseconds or an ISO-8601 duration such as PT1S");
    }
}
