package dev.natsjca.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.font.FontRenderContext;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.function.IntToDoubleFunction;
import java.util.regex.Pattern;

import javax.imageio.ImageIO;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.internal.chartpart.Annotation;
import org.knowm.xchart.style.CategoryStyler;
import org.knowm.xchart.style.Styler;

/**
 * Draws {@code results.png}: one row per charted scenario, its throughput ratios beside its p99
 * latencies, then the latency-by-send-rate panels across the whole width.
 *
 * <p>Every ratio panel shares one logarithmic axis, so that a bar's height means the same in all
 * of them and 0.5× lies as far below 1× as 2× lies above it; the p99 panels share another.
 */
final class Chart {

    /** The longest variant label on an axis, in characters: longer ones overlap their neighbours. */
    static final int MAX_LABEL = 22;

    private static final int RATIO_WIDTH = 780;
    private static final int P99_WIDTH = 520;
    private static final int HEIGHT = 340;
    /** Light, so that the values at the bars' feet read in black. */
    private static final Color[] SIZE_COLORS = {new Color(0x8DB3E2), new Color(0xF4B183), new Color(0xA9D18E)};
    /** See-through: the tops of the bars it crosses stay visible. */
    private static final Color BASELINE = new Color(64, 64, 64, 170);
    private static final Color TARGET = new Color(0xC00000);
    private static final Font TICKS = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
    private static final FontRenderContext FRC = new FontRenderContext(null, true, true);
    private static final BasicStroke DASHED = new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10,
            new float[] {8, 5}, 0);

    /**
     * What {@link #label} rewrites, in order: each shortens wording that the variants of
     * {@code Bench} share, so that the labels keep what tells a scenario's variants apart.
     */
    private static final String[][] RULES = {
            {"\\s*\\([^)]*\\)", ""}, // what parentheses add is in RESULTS.md
            {"adapter delivery path", "adapter"},
            {"adapter in an EJB: ", "EJB "},
            {"raw jnats publish in the EJB, its own connection", "raw in EJB"},
            {"adapter[:,] ", "adapter "},
            {"^raw jnats ", "raw "},
            {"^reference, tracing off: ", "ref: "},
            {"the same, the application setting that traceparent itself", "app's traceparent"},
            {"tracing (on|off): ", "$1: "},
            {", in a span$", ""},
            {"NATS JetStream ", "JS "},
            {"NATS core MDB", "core MDB"},
            {"NATS ", ""},
            {"JMS MDB", "JMS"},
            {"maxConcurrency |maxSession ", "c="},
            {"non-persistent", "non-pers"},
            {"persistent, ", ""},
            {"not transacted", "non-tx"},
            {"transactional publish|transacted", "tx"},
            {", outside the server|, one connection", ""},
            {"one handle, many publishes", "handle"},
            {"get, publish, close per message", "get/close per msg"},
            {"dispatcher handing each message to one plain thread", "dispatcher+thread"},
            {"pull consumer, explicit acks", "pull"},
            {"publish, each ack awaited", "sync publish"},
            {"publishAsync, all acks awaited", "async"},
            {"publishAsync, acks awaited every (\\d+)", "async ack/$1"},
            {"atomic batch, (\\d+) per batch, staged then committed", "atomic $1/batch"},
            {"sent at prepare", "prep"},
            {"atomic commit", "atomic"},
            {"(\\d+) per two-phase commit", "$1/2pc"},
            {"tx, (\\d+) per commit", "tx of $1"},
            {"service endpoint", "service"},
            {"service, answering on its dispatcher thread", "service"},
            {",", ""},
            {"\\s+", " "},
    };
    private static final Pattern[] RULE_PATTERNS = new Pattern[RULES.length];

    static {
        for (int i = 0; i < RULES.length; i++) {
            RULE_PATTERNS[i] = Pattern.compile(RULES[i][0]);
        }
    }

    private Chart() {
    }

    /**
     * @param rows the charted rows, in the order of {@code RESULTS.md}; a scenario's first variant is its baseline
     * @param targets drawn in the panels of their scenarios; those of scenarios not charted are left out
     */
    static void write(Path file, List<Report.Row> rows, List<Report.LatencyRow> latencyRows,
                      List<Report.Target> targets) throws IOException {
        Map<String, List<Report.Row>> byScenario = group(rows, Report.Row::scenario);
        List<Double> ratios = new ArrayList<>(rows.stream().map(Report.Row::ratio).toList());
        targets.stream().filter(t -> byScenario.containsKey(t.scenario())).forEach(t -> ratios.add(t.ratio()));
        double[] ratioAxis = axis(ratios, 1.25, 2, 0.25, 4, Chart::powerOfTwo);
        double[] p99Axis = axis(rows.stream().map(r -> r.p99Micros() / 1000).toList(), 1.25, 1.6, 1, 10,
                Chart::oneTwoFive);
        List<BufferedImage[]> lines = new ArrayList<>();
        for (List<Report.Row> scenario : byScenario.values()) {
            lines.add(new BufferedImage[] {
                    BitmapEncoder.getBufferedImage(ratioPanel(scenario, targets, ratioAxis)),
                    scenario.stream().anyMatch(r -> !Double.isNaN(r.p99Micros()))
                            ? BitmapEncoder.getBufferedImage(p99Panel(scenario, p99Axis))
                            : blank(P99_WIDTH, "no latency: sending side only, no subscriber")});
        }
        for (List<Report.LatencyRow> scenario : group(latencyRows, Report.LatencyRow::scenario).values()) {
            lines.add(new BufferedImage[] {BitmapEncoder.getBufferedImage(byRatePanel(scenario))});
        }
        BufferedImage out = new BufferedImage(RATIO_WIDTH + P99_WIDTH, HEIGHT * lines.size(),
                BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, out.getWidth(), out.getHeight());
        for (int i = 0; i < lines.size(); i++) {
            int x = 0;
            for (BufferedImage panel : lines.get(i)) {
                g.drawImage(panel, x, i * HEIGHT, null);
                x += panel.getWidth();
            }
        }
        g.dispose();
        ImageIO.write(out, "png", file.toFile());
    }

    private static CategoryChart ratioPanel(List<Report.Row> rows, List<Report.Target> targets, double[] axis) {
        String scenario = rows.get(0).scenario();
        List<String> variants = variants(rows);
        String baseline = variants.get(0);
        // The baseline's bars would all be exactly 1×: the reference line says so.
        List<String> shown = variants.size() > 1 ? variants.subList(1, variants.size()) : variants;
        Map<String, String> labels = labels(variants);
        String name = title(scenario);
        // "5a. NATS core MDB vs non-persistent JMS MDB" names its baseline already; the key names it in all
        CategoryChart c = panel(RATIO_WIDTH, name.contains(" vs ") ? name : name + ": vs " + labels.get(baseline),
                "throughput ratio (log)");
        logAxis(c, axis, "0.##×");
        bars(c, rows, shown, labels, Report.Row::ratio);
        List<Level> levels = new ArrayList<>();
        levels.add(new Level(1, "1× = " + labels.get(baseline), BASELINE, new BasicStroke(1.5f)));
        for (Report.Target t : targets) {
            if (t.scenario().equals(scenario)) {
                String what = t.variantContains() == null || t.variantContains().isBlank() ? ""
                        : " (" + cutMiddle(t.variantContains(), MAX_LABEL) + ")";
                levels.add(new Level(t.ratio(), "target " + ratio(t.ratio()) + "×" + what, TARGET, DASHED));
            }
        }
        levels.forEach(c::addAnnotation);
        c.addAnnotation(new Key(levels));
        return c;
    }

    private static CategoryChart p99Panel(List<Report.Row> rows, double[] axis) {
        List<String> variants = variants(rows).stream().filter(v -> rows.stream()
                .anyMatch(r -> r.variant().equals(v) && !Double.isNaN(r.p99Micros()))).toList();
        CategoryChart c = panel(P99_WIDTH, rows.get(0).scenario().split(" ", 2)[0] + " p99 latency at half peak",
                "milliseconds (log)");
        logAxis(c, axis, "0.#");
        bars(c, rows, variants, labels(variants), r -> r.p99Micros() / 1000);
        return c;
    }

    private static CategoryChart byRatePanel(List<Report.LatencyRow> rows) {
        CategoryChart c = panel(RATIO_WIDTH + P99_WIDTH, title(rows.get(0).scenario()) + ": p99",
                "milliseconds");
        c.setXAxisTitle("send rate, msgs/s");
        c.getStyler().setXAxisTitleVisible(true);
        c.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        c.getStyler().setYAxisDecimalPattern("0.#");
        List<String> variants = rows.stream().map(Report.LatencyRow::variant).distinct().toList();
        Map<String, String> labels = labels(variants);
        List<Integer> sizes = rows.stream().map(Report.LatencyRow::size).distinct().toList();
        List<String> rates = rows.stream().map(r -> Integer.toString(r.perSecond())).distinct().toList();
        for (String v : variants) {
            for (int size : sizes) {
                List<Double> p99 = rates.stream().map(rate -> rows.stream().filter(r -> r.variant().equals(v)
                                && r.size() == size && Integer.toString(r.perSecond()).equals(rate))
                        .map(r -> r.p99Micros() / 1000).findFirst().orElse(null)).toList();
                if (p99.stream().anyMatch(p -> p != null)) {
                    c.addSeries(labels.get(v) + (sizes.size() > 1 ? ", " + size(size) : ""), rates, p99);
                }
            }
        }
        return c;
    }

    /** A bar chart with what all panels share: white, legible fonts, the legend small and inside. */
    private static CategoryChart panel(int width, String title, String yTitle) {
        Font titleFont = new Font(Font.SANS_SERIF, Font.BOLD, 15);
        CategoryChart c = new CategoryChartBuilder().width(width).height(HEIGHT)
                .title(fit(title, titleFont, width - 40)).yAxisTitle(yTitle).build();
        CategoryStyler s = c.getStyler();
        s.setChartBackgroundColor(Color.WHITE);
        s.setPlotBorderVisible(false);
        s.setChartTitleBoxVisible(false);
        s.setChartTitleFont(titleFont);
        s.setAxisTitleFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        s.setAxisTickLabelsFont(TICKS);
        s.setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        s.setLegendPosition(Styler.LegendPosition.InsideNE);
        s.setLegendLayout(Styler.LegendLayout.Horizontal);
        s.setLegendBorderColor(Color.LIGHT_GRAY);
        s.setXAxisTitleVisible(false);
        s.setSeriesColors(SIZE_COLORS);
        s.setLabelsVisible(true);
        s.setLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        s.setLabelsFontColorAutomaticEnabled(false);
        s.setLabelsFontColor(Color.BLACK);
        s.setLabelsPosition(0); // at the bars' feet, in a row: atop the bars they would cross the 1× and target lines
        s.setLocale(Locale.ROOT);
        s.setPlotGridVerticalLinesVisible(false);
        s.setPlotGridLinesColor(new Color(0xE8E8E8));
        s.setPlotGridLinesStroke(new BasicStroke(1));
        return c;
    }

    private static void logAxis(CategoryChart c, double[] axis, String pattern) {
        CategoryStyler s = c.getStyler();
        s.setYAxisLogarithmic(true);
        s.setYAxisLogarithmicDecadeOnly(true); // labels at 0.1, 1, 10: between them they would overlap
        s.setYAxisMin(axis[0]);
        s.setYAxisMax(axis[1]);
        s.setYAxisDecimalPattern(pattern);
    }

    /** One series per size; the labels are horizontal where they fit and at 30° where they do not. */
    private static void bars(CategoryChart c, List<Report.Row> rows, List<String> variants,
                             Map<String, String> labels, Function<Report.Row, Double> value) {
        List<String> categories = variants.stream().map(labels::get).toList();
        double widest = categories.stream().mapToDouble(l -> TICKS.getStringBounds(l, FRC).getWidth()).max()
                .orElse(0);
        double plotWidth = c.getWidth() - 75; // less the Y axis and its title
        double perCategory = plotWidth * c.getStyler().getPlotContentSize() / categories.size();
        c.getStyler().setXAxisLabelRotation(widest + 6 > perCategory ? 30 : 0);
        // XChart widens bars to fill the plot: with one or two variants they would be a third of it each
        c.getStyler().setAvailableSpaceFill(Math.min(0.8, 0.3 * categories.size()));
        for (int size : rows.stream().mapToInt(Report.Row::size).distinct().toArray()) {
            List<Double> values = variants.stream().map(v -> rows.stream()
                    .filter(r -> r.size() == size && r.variant().equals(v)).map(value)
                    .filter(d -> !Double.isNaN(d)).findFirst().orElse(null)).toList();
            if (values.stream().anyMatch(d -> d != null)) {
                c.addSeries(size(size), categories, values);
            }
        }
    }

    /**
     * Short, unique axis labels for one panel's variants: the {@link #RULES}, then, for what is still
     * longer than {@link #MAX_LABEL}, its middle cut out (both ends tell variants apart: what they are,
     * and settings such as {@code c=4}); where two labels then coincide, the same from the full
     * names, and as a last resort a number. Deterministic: the same variants give the same labels.
     *
     * @return label per variant, in the variants' order
     */
    static Map<String, String> labels(List<String> variants) {
        Map<String, String> labels = new LinkedHashMap<>();
        for (String v : variants) {
            labels.put(v, cutMiddle(label(v), MAX_LABEL));
        }
        for (int round = 0; round < 2 && labels.values().stream().distinct().count() < labels.size(); round++) {
            Map<String, Integer> count = new HashMap<>();
            labels.values().forEach(l -> count.merge(l, 1, Integer::sum));
            Map<String, Integer> seen = new HashMap<>();
            for (Map.Entry<String, String> e : labels.entrySet()) {
                if (count.get(e.getValue()) > 1) {
                    int n = seen.merge(e.getValue(), 1, Integer::sum);
                    e.setValue(round == 0 ? cutMiddle(e.getKey(), MAX_LABEL)
                            : cutMiddle(e.getKey(), MAX_LABEL - 3) + " #" + n);
                }
            }
        }
        return labels;
    }

    /** @return the variant's name with the {@link #RULES} applied, not yet limited in length */
    static String label(String variant) {
        String s = variant;
        for (int i = 0; i < RULES.length; i++) {
            s = RULE_PATTERNS[i].matcher(s).replaceAll(RULES[i][1]);
        }
        return s.strip();
    }

    /** @return {@code s}, its middle cut out as far as it must be to fit in {@code width} pixels */
    private static String fit(String s, Font font, int width) {
        String fitting = s;
        for (int max = s.length() - 1; max > 10 && font.getStringBounds(fitting, FRC).getWidth() > width; max--) {
            fitting = cutMiddle(s, max);
        }
        return fitting;
    }

    private static String cutMiddle(String s, int max) {
        if (s.length() <= max) {
            return s;
        }
        int tail = (max - 1) / 2;
        return s.substring(0, max - 1 - tail).strip() + "…" + s.substring(s.length() - tail).strip();
    }

    /** @return the scenario's name without what parentheses add, as the table's heading has it */
    private static String title(String scenario) {
        return scenario.replaceAll("\\s*\\([^)]*\\)", "");
    }

    private static String ratio(double value) {
        return new DecimalFormat("0.##", DecimalFormatSymbols.getInstance(Locale.ROOT)).format(value);
    }

    private static String size(int bytes) {
        return bytes % 1024 == 0 ? bytes / 1024 + " KiB" : bytes + " B";
    }

    private static List<String> variants(List<Report.Row> rows) {
        return rows.stream().map(Report.Row::variant).distinct().toList();
    }

    private static <T> Map<String, List<T>> group(List<T> items, Function<T, String> key) {
        Map<String, List<T>> groups = new LinkedHashMap<>();
        for (T item : items) {
            groups.computeIfAbsent(key.apply(item), k -> new ArrayList<>()).add(item);
        }
        return groups;
    }

    /**
     * @param margin how far below the smallest value the axis starts (a factor)
     * @param headroom how far above the largest value it ends: room for the legend
     * @param ladder the values a bound may take, by rung: labels that read well
     * @return {min, max} of a logarithmic axis covering all values, and at least {@code atMostMin} to
     *         {@code atLeastMax}
     */
    private static double[] axis(List<Double> values, double margin, double headroom, double atMostMin,
                                 double atLeastMax, IntToDoubleFunction ladder) {
        double min = values.stream().filter(v -> v > 0).mapToDouble(Double::doubleValue).min().orElse(1);
        double max = values.stream().filter(v -> v > 0).mapToDouble(Double::doubleValue).max().orElse(1);
        return new double[] {Math.min(atMostMin, rung(min / margin, false, ladder)),
                Math.max(atLeastMax, rung(max * headroom, true, ladder))};
    }

    /** @return the rung of {@code ladder} (increasing) at or above {@code v} if {@code up}, else at or below it */
    private static double rung(double v, boolean up, IntToDoubleFunction ladder) {
        int k = 0;
        while (ladder.applyAsDouble(k) > v) {
            k--;
        }
        while (ladder.applyAsDouble(k + 1) <= v) {
            k++;
        }
        return up && ladder.applyAsDouble(k) < v ? ladder.applyAsDouble(k + 1) : ladder.applyAsDouble(k);
    }

    private static double powerOfTwo(int k) {
        return Math.pow(2, k);
    }

    /** @return the k-th of …, 0.5, 1, 2, 5, 10, 20, … (rung 0 is 1) */
    private static double oneTwoFive(int k) {
        return new double[] {1, 2, 5}[Math.floorMod(k, 3)] * Math.pow(10, Math.floorDiv(k, 3));
    }

    /** A panel with only a note, where a chart would have no bars. */
    private static BufferedImage blank(int width, String note) {
        BufferedImage img = new BufferedImage(width, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, HEIGHT);
        g.setColor(Color.GRAY);
        g.setFont(TICKS);
        Rectangle2D b = TICKS.getStringBounds(note, g.getFontRenderContext());
        g.drawString(note, (int) (width - b.getWidth()) / 2, HEIGHT / 2);
        g.dispose();
        return img;
    }

    /**
     * A horizontal line across the plot. XChart's own {@code AnnotationLine} takes its colour and
     * stroke from the chart's styler, one for all lines, and the 1× and target lines must differ.
     * Its label is in the {@link Key}: beside the line it would run into bars and the other line.
     */
    private static final class Level extends Annotation {
        private final double value;
        private final String label;
        private final Color color;
        private final BasicStroke stroke;

        Level(double value, String label, Color color, BasicStroke stroke) {
            super(false);
            this.value = value;
            this.label = label;
            this.color = color;
            this.stroke = stroke;
        }

        @Override
        public void paint(Graphics2D g) {
            int y = (int) Math.round(chart.getScreenYFromChart(value));
            int x1 = getXAxisScreenValueForMin();
            int x2 = getXAxisScreenValueForMax();
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setColor(color);
            g.setStroke(stroke);
            g.drawLine(x1, y, x2, y);
            bounds = new Rectangle2D.Double(x1, y, x2 - x1, stroke.getLineWidth());
        }
    }

    /** What the {@link Level}s are, in one row at the plot's top left (the legend of sizes is at its top right). */
    private static final class Key extends Annotation {
        private static final int SAMPLE = 26;
        private static final int PAD = 6;
        private final List<Level> levels;

        Key(List<Level> levels) {
            super(false);
            this.levels = levels;
        }

        @Override
        public void paint(Graphics2D g) {
            Font font = chart.getStyler().getLegendFont();
            FontRenderContext frc = g.getFontRenderContext();
            double width = PAD;
            for (Level l : levels) {
                width += SAMPLE + 4 + font.getStringBounds(l.label, frc).getWidth() + 2 * PAD;
            }
            int height = (int) font.getStringBounds("1×", frc).getHeight() + 2 * PAD;
            int x = getXAxisScreenValueForMin() + 8;
            int y = getYAxisScreenValueForMin() + 8;
            g.setColor(Color.WHITE);
            g.fillRect(x, y, (int) width - PAD, height);
            g.setColor(chart.getStyler().getLegendBorderColor());
            g.setStroke(new BasicStroke(1));
            g.drawRect(x, y, (int) width - PAD, height);
            g.setFont(font);
            double at = x + PAD;
            int middle = y + height / 2;
            for (Level l : levels) {
                g.setColor(l.color);
                g.setStroke(l.stroke);
                g.drawLine((int) at, middle, (int) at + SAMPLE, middle);
                g.setColor(new Color(l.color.getRGB())); // opaque: the line may be see-through, its label not
                Rectangle2D b = font.getStringBounds(l.label, frc);
                g.drawString(l.label, (float) (at + SAMPLE + 4), (float) (middle - b.getCenterY()));
                at += SAMPLE + 4 + b.getWidth() + 2 * PAD;
            }
            bounds = new Rectangle2D.Double(x, y, width, height);
        }
    }
}
