package dev.natsjca.sample;

import java.lang.System.Logger.Level;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import org.eclipse.microprofile.config.ConfigProvider;

import dev.natsjca.sample.orders.OrderPlaced;
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
 * Keeps the demo visibly alive: places two orders a second through {@link OrderDesk}, every
 * {@value #POISON_EVERY}th one from customer {@code poison} so the dead-letter path shows too.
 * Switched off by MicroProfile Config {@code sample.driver.enabled=false} (environment
 * {@code SAMPLE_DRIVER_ENABLED=false}), as the tests do and as external drivers should.
 */
@Singleton
@Startup
public class DemoDriver {

    static final int POISON_EVERY = 20;
    private static final System.Logger LOG = System.getLogger(DemoDriver.class.getName());
    private static final List<String> CUSTOMERS = List.of("ada", "grace", "linus", "barbara", "ken");

    @Resource
    private TimerService timers;

    @EJB
    private OrderDesk desk;

    private long placed;
    /** Placing failed and nothing has succeeded since: the next failures are logged quietly. */
    private boolean failing;

    @PostConstruct
    void start() {
        var config = ConfigProvider.getConfig();
        boolean enabled = config.getOptionalValue("sample.driver.enabled", Boolean.class).orElse(true);
        String url = config.getOptionalValue("nats.url", String.class).orElse("nats://127.0.0.1:4222");
        if (!enabled) {
            LOG.log(Level.INFO, "Sample demo driver disabled (sample.driver.enabled=false)");
            return;
        }
        LOG.log(Level.INFO, "Sample demo driver placing two orders a second on {0} (nats.url {1})",
                SampleSubjects.ORDERS_PLACED, url.replaceAll("//[^@/]*@", "//***@"));
        timers.createIntervalTimer(1000, 500, new TimerConfig("sample-demo-driver", false));
    }

    @Timeout
    void tick(Timer timer) {
        long n = placed + 1;
        String customer = n % POISON_EVERY == 0 ? SampleSubjects.POISON_CUSTOMER
                : CUSTOMERS.get((int) (n % CUSTOMERS.size()));
        try {
            OrderPlaced order = desk.place(customer, ThreadLocalRandom.current().nextLong(100, 100_000));
            placed = n;
            failing = false;
            LOG.log(Level.INFO, "Placed order {0} of {1} ({2} cents)", order.getOrderId(), order.getCustomer(),
                    order.getAmountCents());
        } catch (RuntimeException e) {
            // Typically: the ORDERS stream does not exist yet (the auditor creates it when it activates).
            LOG.log(failing ? Level.DEBUG : Level.WARNING, "Could not place an order; trying again next tick", e);
            failing = true;
        }
    }
}
