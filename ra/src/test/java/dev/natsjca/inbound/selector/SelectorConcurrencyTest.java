package dev.natsjca.inbound.selector;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import io.nats.client.impl.Headers;

/** One selector evaluated by many threads at once, as an activation's delivery workers do. */
class SelectorConcurrencyTest {

    @Test
    void oneSelectorManyThreads() throws Exception {
        Selector s = SelectorTesting.parse(
                "ANY(tags) = 'urgent' AND n * 2 BETWEEN 10 AND 20 AND $subject[2] LIKE 'e_' AND NOT x IS NOT NULL");
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                results.add(pool.submit(() -> {
                    int matched = 0;
                    for (int i = 0; i < 20_000; i++) {
                        Headers h = new Headers().add("tags", "a", i % 2 == 0 ? "urgent" : "b")
                                .add("n", Integer.toString(i % 12));
                        if (s.matches(i % 3 == 0 ? "orders.us.x" : "orders.eu.x", h)) {
                            matched++;
                        }
                    }
                    return matched;
                }));
            }
            int expected = 0;
            for (int i = 0; i < 20_000; i++) {
                if (i % 2 == 0 && i % 12 >= 5 && i % 12 <= 10 && i % 3 != 0) {
                    expected++;
                }
            }
            for (Future<Integer> f : results) {
                assertEquals(expected, f.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
