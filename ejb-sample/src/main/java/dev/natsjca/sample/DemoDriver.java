package dev.natsjca.sample;

import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

import org.eclipse.microprofile.config.ConfigProvider;

import jakarta.annotation.PostConstruct;
import jakarta.annotation.Resource;
import jakarta.ejb.EJB;
import jakarta.ejb.Singleton;
import jakarta.ejb.Startup;
import jakarta.ejb.Timeout;
import jakarta.ejb.Timer;
import jakarta.ejb.TimerConfig;
import jakarta.ejb.TimerService;

/**
 * Keeps the demo visibly alive: publishes a greeting to {@value SampleSubjects#GREETINGS} every
 * second. Switched off by MicroProfile Config {@code sample.driver.enabled=false}
 * (environment {@code SAMPLE_DRIVER_ENABLED=false}), as the tests do.
 */
@Singleton
@Startup
public class DemoDriver {

    private static final System.Logger LOG = System.getLogger(DemoDriver.class.getName());

    @Resource
    private TimerService timers;

    @EJB
    private Publisher publisher;

    private long sequence;

    @PostConstruct
    void start() {
        var config = ConfigProvider.getConfig();
        boolean enabled = config.getOptionalValue("sample.driver.enabled", Boolean.class).orElse(true);
        String url = config.getOptionalValue("nats.url", String.class).orElse("nats://127.0.0.1:4222");
        if (!enabled) {
            LOG.log(Level.INFO, "Sample demo driver disabled (sample.driver.enabled=false)");
            return;
        }
        LOG.log(Level.INFO, "Sample demo driver publishing a greeting every second to {0} (nats.url {1})",
                SampleSubjects.GREETINGS, url.replaceAll("//[^@/]*@", "//***@"));
        timers.createIntervalTimer(1000, 1000, new TimerConfig("sample-demo-driver", false));
    }

    @Timeout
    void tick(Timer timer) {
        long n = ++sequence;
        String greeting = "hello #" + n + " from " + Node.NAME + " at " + Instant.now();
        try {
            publisher.publish(SampleSubjects.GREETINGS, null, greeting.getBytes(StandardCharsets.UTF_8));
            LOG.log(Level.INFO, "Published on {0}: {1}", SampleSubjects.GREETINGS, greeting);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "Could not publish greeting #" + n + "; will try again next tick", e);
        }
    }
}
