package dev.natsjca.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;

/** Writes the results table ({@code RESULTS.md}) and chart ({@code results.png}). */
final class Report {

    /** One variant at one size: median throughput over the rounds, ratio to the scenario's first variant, latency. */
    record Row(String scenario, int size, String variant, double perSecond, double ratio, double p50Micros,
               double p99Micros, int pacedPerSecond, int lost) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%s, %d B, %s: %.0f msgs/s (%.2fx), p50 %.0f us, p99 %.0f us at %d msgs/s%s",
                    scenario, size, variant, perSecond, ratio, p50Micros, p99Micros, pacedPerSecond,
                    lost > 0 ? ", " + lost + " lost" : "");
        }
    }

    private Report() {
    }

    static void write(Path dir, List<Row> rows, Duration took, LocalDate date) throws IOException {
        StringBuilder md = new StringBuilder();
        md.append("# Benchmark results\n\n")
                .append("Measured ").append(date).append(" on this project's CI-like machine: ")
                .append(Runtime.getRuntime().availableProcessors()).append(" cores (shared), Java ")
                .append(System.getProperty("java.version")).append(", one nats-server 2.9 (JetStream, file storage) ")
                .append("started by the benchmark. Whole run: ").append(took.toSeconds()).append(" s.\n\n")
                .append("Each scenario runs its variants alternately, ").append("4 rounds after a warm-up round, ")
                .append("same message count and size; the ratio is the median throughput over the first (raw jnats) ")
                .append("variant's, measured in the same run. Throughput is end to end: first send to last receipt. ")
                .append("Latency is publish (a wall-clock stamp in a header) to receipt (`onMessage` for the adapter), ")
                .append("measured in a separate round paced at half of that variant's median throughput. ")
                .append("Absolute numbers on a shared 2-core machine are noisy; compare the ratios.\n\n")
                .append("\"Adapter delivery path\" is the resource adapter with the in-test JCA harness standing in ")
                .append("for the EJB container (a bounded work manager, a minimal endpoint factory that drives the ")
                .append("delivery's XAResource with one-phase commit when transacted). Scenarios marked \"in WildFly\" ")
                .append("run in a WildFly (standalone-full, built-in Artemis) the benchmark starts with its own EAR: ")
                .append("NATS load from outside the server, JMS load from an EJB inside it, 100 messages per JTA ")
                .append("transaction through java:/JmsXA.\n");
        String scenario = null;
        for (Row r : rows) {
            if (!r.scenario().equals(scenario)) {
                scenario = r.scenario();
                md.append("\n## ").append(scenario).append("\n\n")
                        .append("| size | variant | msgs/s (median) | ratio | p50 µs | p99 µs | paced at msgs/s | lost |\n")
                        .append("|---:|---|---:|---:|---:|---:|---:|---:|\n");
            }
            md.append(String.format(Locale.ROOT, "| %d B | %s | %.0f | %.2fx | %.0f | %.0f | %d | %d |%n", r.size(),
                    r.variant(), r.perSecond(), r.ratio(), r.p50Micros(), r.p99Micros(), r.pacedPerSecond(), r.lost()));
        }
        md.append("\nChart: `results.png` (throughput ratio to raw jnats; p99 latency).\n");
        Files.writeString(dir.resolve("RESULTS.md"), md.toString(), StandardCharsets.UTF_8);
        chart(dir.resolve("results.png"), rows);
    }

    private static void chart(Path file, List<Row> rows) throws IOException {
        List<String> labels = rows.stream().filter(r -> r.size() == rows.get(0).size())
                .map(r -> r.scenario().substring(0, 2) + " " + shortName(r.variant())).collect(Collectors.toList());
        CategoryChart ratio = new CategoryChartBuilder().width(1400).height(600)
                .title("Throughput relative to raw jnats (same run)").yAxisTitle("ratio").build();
        CategoryChart latency = new CategoryChartBuilder().width(1400).height(600)
                .title("p99 latency, publish to receipt, at half peak rate").yAxisTitle("milliseconds").build();
        for (CategoryChart c : List.of(ratio, latency)) {
            c.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
            c.getStyler().setXAxisLabelRotation(60);
        }
        for (int size : rows.stream().mapToInt(Row::size).distinct().toArray()) {
            List<Row> s = rows.stream().filter(r -> r.size() == size).collect(Collectors.toList());
            ratio.addSeries(size + " B", labels, s.stream().map(Row::ratio).collect(Collectors.toList()));
            latency.addSeries(size + " B", labels, s.stream().map(r -> r.p99Micros() / 1000).collect(Collectors.toList()));
        }
        List<Chart> charts = new ArrayList<>(List.of(ratio, latency));
        String name = file.toString();
        BitmapEncoder.saveBitmap(charts, 2, 1, name.substring(0, name.length() - 4), BitmapEncoder.BitmapFormat.PNG);
    }

    private static String shortName(String variant) {
        return variant.replace("adapter delivery path (no EJB container)", "adapter")
                .replace("raw jnats ", "raw ").replace("adapter: ", "adapter ");
    }
}
