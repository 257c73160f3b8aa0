package dev.natsjca.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** Writes the results table ({@code RESULTS.md}) and chart ({@code results.png}). */
final class Report {

    /** How long each latency-by-rate round sends. */
    static final int LATENCY_SECONDS = 3;

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

    /** One variant at one fixed send rate: latency quantiles and the receiving JVM's GC pauses meanwhile. */
    record LatencyRow(String scenario, int size, int perSecond, String variant, double p50Micros, double p99Micros,
                      double p999Micros, int lost, long gcPauses, long gcMillis, double cpuBusyPercent) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%s, %d B, %d msgs/s, %s: p50 %.0f us, p99 %.0f us, p99.9 %.0f us; "
                    + "%d GC pauses, %d ms; CPU %.0f %% busy%s", scenario, size, perSecond, variant, p50Micros,
                    p99Micros, p999Micros, gcPauses, gcMillis, cpuBusyPercent, lost > 0 ? ", " + lost + " lost" : "");
        }
    }

    /**
     * What a scenario's table needs said above it, e.g. when its ratio is not to raw jnats.
     *
     * @param charted whether its rows belong in the chart (whose ratios are to raw jnats)
     */
    record Note(String text, boolean charted) {
    }

    /**
     * A goal for a scenario's throughput ratio, drawn in its panel as a dashed line labelled
     * "target 0.8× (batch)"; only where the scenario is charted.
     *
     * @param scenario the {@link Row#scenario()} it is for
     * @param variantContains which variants it is for, as part of their names, shown in the label;
     *                        {@code ""} for the scenario as a whole
     * @param ratio the ratio to the scenario's first variant to reach, above 0 (the axis is logarithmic)
     */
    record Target(String scenario, String variantContains, double ratio) {
    }

    private Report() {
    }

    /**
     * @param notes per scenario, the paragraph above its table; scenarios without one are charted
     * @param targets drawn in the chart's ratio panels
     * @param sections further markdown (e.g. memory and threads at rest), after the tables
     * @param scope {@code null} for the whole benchmark, else which scenarios this run had
     */
    static void write(Path dir, List<Row> rows, List<LatencyRow> latencyRows, Map<String, Note> notes,
                      List<Target> targets, String sections, String scope, Duration took, LocalDate date)
            throws IOException {
        StringBuilder md = new StringBuilder();
        md.append("# Benchmark results\n\n")
                .append("Measured ").append(date).append(" on this project's CI-like machine: ")
                .append(Runtime.getRuntime().availableProcessors()).append(" cores (shared), Java ")
                .append(System.getProperty("java.version")).append(", one nats-server ").append(System.getProperty("bench.nats.version", "?"))
                .append(" (JetStream, file storage) ")
                .append("started by the benchmark. ").append(scope == null ? "Whole run: " : "Only " + scope + ": ")
                .append(took.toSeconds()).append(" s.\n\n")
                .append("Each scenario runs its variants alternately, ").append(Bench.ROUNDS)
                .append(" rounds after a warm-up round, ")
                .append("same message count and size; the ratio is the median throughput over the first variant's ")
                .append("(raw jnats unless the scenario says otherwise), measured in the same run. Throughput is end to end: first send to last receipt ")
                .append("(send-only variants, which have no subscriber: until the sender is done). ")
                .append("Latency is publish (a wall-clock stamp in a header) to receipt (`onMessage` for the adapter), ")
                .append("measured in a separate round paced at half of that variant's median throughput. ")
                .append("Absolute numbers on a shared 2-core machine are noisy; compare the ratios.\n\n")
                .append("\"Adapter delivery path\" is the resource adapter with the in-test JCA harness standing in ")
                .append("for the EJB container (a bounded work manager, a minimal endpoint factory that drives the ")
                .append("delivery's XAResource with one-phase commit when transacted). Scenarios marked \"in WildFly\" ")
                .append("run in a WildFly 39 (standalone-full, built-in Artemis), those marked \"in Payara\" in a ")
                .append("Payara 6 (domain1, its built-in OpenMQ broker embedded), each started by the benchmark with ")
                .append("its own EAR: NATS load from outside the server, JMS load from an EJB inside it, 100 messages ")
                .append("per JTA transaction through the server's default (pooled, XA) JMS connection factory.\n");
        String scenario = null;
        for (Row r : rows) {
            if (!r.scenario().equals(scenario)) {
                scenario = r.scenario();
                md.append("\n## ").append(scenario).append("\n\n");
                Note note = notes.get(scenario);
                if (note != null) {
                    md.append(note.text()).append("\n\n");
                }
                md.append("| size | variant | msgs/s (median) | ratio | p50 µs | p99 µs | paced at msgs/s | lost |\n")
                        .append("|---:|---|---:|---:|---:|---:|---:|---:|\n");
            }
            md.append(String.format(Locale.ROOT, "| %d B | %s | %.0f | %.2fx | %s | %s | %d | %d |%n", r.size(),
                    r.variant(), r.perSecond(), r.ratio(), micros(r.p50Micros()), micros(r.p99Micros()),
                    r.pacedPerSecond(), r.lost()));
        }
        scenario = null;
        for (LatencyRow r : latencyRows) {
            if (!r.scenario().equals(scenario)) {
                scenario = r.scenario();
                md.append("\n## ").append(scenario).append("\n\n")
                        .append("Each variant in turn at fixed send rates, ").append(LATENCY_SECONDS)
                        .append(" s per rate; the GC columns count the stop-the-world pauses of the receiving JVM ")
                        .append("(the benchmark's own for raw jnats, WildFly's for the MDB) during the round; CPU busy ")
                        .append("is the whole machine's (all cores, every process) over the round.\n\n")
                        .append("| size | send rate msgs/s | variant | p50 µs | p99 µs | p99.9 µs | GC pauses | GC ms | CPU busy | lost |\n")
                        .append("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|\n");
            }
            md.append(String.format(Locale.ROOT, "| %d B | %d | %s | %.0f | %.0f | %.0f | %d | %d | %.0f %% | %d |%n",
                    r.size(), r.perSecond(), r.variant(), r.p50Micros(), r.p99Micros(), r.p999Micros(), r.gcPauses(),
                    r.gcMillis(), r.cpuBusyPercent(), r.lost()));
        }
        md.append(sections);
        List<Row> charted = charted(rows, notes);
        if (!charted.isEmpty() || !latencyRows.isEmpty()) {
            md.append("\nChart: `results.png` (per scenario: throughput ratio to its first variant and p99 latency at "
                    + "half peak, both on log scales; then p99 by send rate).\n");
        }
        Files.writeString(dir.resolve("RESULTS.md"), md.toString(), StandardCharsets.UTF_8);
        if (!charted.isEmpty() || !latencyRows.isEmpty()) {
            Chart.write(dir.resolve("results.png"), charted, latencyRows, targets);
        }
    }

    /**
     * @return the rows the ratio chart can show: of scenarios not excluded by their note, and
     *         measured at every size (one label per variant, one value per size)
     */
    private static List<Row> charted(List<Row> rows, Map<String, Note> notes) {
        List<Row> chartable = rows.stream().filter(r -> {
            Note n = notes.get(r.scenario());
            return n == null || n.charted();
        }).collect(Collectors.toList());
        long sizes = chartable.stream().mapToInt(Row::size).distinct().count();
        return chartable.stream().filter(r -> chartable.stream().filter(o -> o.scenario().equals(r.scenario())
                && o.variant().equals(r.variant())).count() == sizes).collect(Collectors.toList());
    }

    private static String micros(double value) {
        return Double.isNaN(value) ? "–" : String.format(Locale.ROOT, "%.0f", value);
    }
}
