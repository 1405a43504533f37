package io.pgnotify.benchmarks;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.ToDoubleFunction;
import org.HdrHistogram.Histogram;

/** Prints each step as a Markdown table and, at the end, the spread across runs. Times in milliseconds. */
final class Report {

    static final String PGNOTIFY = "pgnotify Notifier (handler entry)";
    static final String HANDOFF = "pgnotify Notifier, every notification handed to a worker (handler entry)";
    static final String NO_WATCHER =
            "pgnotify Notifier without the watcher, a worker woken before each handler (handler entry)";
    static final String OWN_JVM = "pgnotify Notifier in a JVM of its own (handler entry)";
    static final String VERTX = "Vert.x PgSubscriber";
    static final String NAIVE = "pgjdbc getNotifications(500) loop";
    static final String LIBPQ = "libpq PQconsumeInput loop (C baseline)";

    /** Issue 15's goal for pgnotify's handler entry against the C baseline, in the same run. */
    static final double LIBPQ_GOAL_P50 = 1.05;

    static final double LIBPQ_GOAL_P99 = 1.2;

    /** One series in one step. */
    record Row(int run, int rate, String series, long received, long expected, Histogram histogram) {

        double ms(double percentile) {
            return histogram.getValueAtPercentile(percentile) / 1e6;
        }
    }

    private final PrintStream out;
    private final List<Row> rows = new ArrayList<>();

    Report(PrintStream out) {
        this.out = out;
    }

    void step(int run, int rate, FixedRatePublisher.Result sent, List<Row> stepRows, List<String> notes) {
        rows.addAll(stepRows);
        out.printf(
                Locale.ROOT,
                "%n#### Run %d, %d/s: %d sent in %.1f s (%.0f/s achieved), publisher at most %.2f ms behind schedule%n%n",
                run,
                rate,
                sent.measuredSent(),
                sent.measuredNanos() / 1e9,
                sent.achievedRate(),
                sent.maxLagNanos() / 1e6);
        out.println("| listener | received | p50 | p90 | p99 | p99.9 | max |");
        out.println("|---|---:|---:|---:|---:|---:|---:|");
        for (Row row : stepRows) {
            out.printf(
                    Locale.ROOT,
                    "| %s | %d/%d | %.3f | %.3f | %.3f | %.3f | %.3f |%n",
                    row.series(),
                    row.received(),
                    row.expected(),
                    row.ms(50),
                    row.ms(90),
                    row.ms(99),
                    row.ms(99.9),
                    row.histogram().getMaxValue() / 1e6);
        }
        out.println();
        ratios(stepRows);
        for (String note : notes) {
            if (!note.isEmpty()) {
                out.println("- " + note);
            }
        }
        out.flush();
    }

    private void ratios(List<Row> stepRows) {
        Row pgnotify = find(stepRows, PGNOTIFY);
        Row vertx = find(stepRows, VERTX);
        Row naive = find(stepRows, NAIVE);
        Row libpq = find(stepRows, LIBPQ);
        if (pgnotify != null && libpq != null) {
            out.printf(
                    Locale.ROOT,
                    "- pgnotify / libpq: p50 %.2f×, p99 %.2f× (goal p50 ≤ %.2f×, p99 ≤ %.1f×)%n",
                    pgnotify.ms(50) / libpq.ms(50),
                    pgnotify.ms(99) / libpq.ms(99),
                    LIBPQ_GOAL_P50,
                    LIBPQ_GOAL_P99);
        }
        if (vertx != null && libpq != null) {
            out.printf(
                    Locale.ROOT,
                    "- Vert.x / libpq: p50 %.2f×, p99 %.2f×%n",
                    vertx.ms(50) / libpq.ms(50),
                    vertx.ms(99) / libpq.ms(99));
        }
        if (pgnotify != null && vertx != null) {
            out.printf(
                    Locale.ROOT,
                    "- pgnotify / Vert.x: p50 %.2f×, p99 %.2f× (target p50 ≤ 1.3×)%n",
                    pgnotify.ms(50) / vertx.ms(50),
                    pgnotify.ms(99) / vertx.ms(99));
        }
        if (pgnotify != null && naive != null) {
            out.printf(
                    Locale.ROOT,
                    "- pgnotify / naive loop: p50 %.2f× (target ≤ 0.2×); naive / pgnotify p50 %.1f×%n",
                    pgnotify.ms(50) / naive.ms(50),
                    naive.ms(50) / pgnotify.ms(50));
        }
    }

    /** The median and range across runs of p50 and p99 per series and rate, and of the ratios. */
    void summary() {
        out.println();
        out.println("### Spread across runs: median [min – max] in ms");
        out.println();
        out.println("| rate | listener | p50 | p99 | p99.9 |");
        out.println("|---:|---|---:|---:|---:|");
        Set<Integer> rates = new LinkedHashSet<>();
        Set<String> series = new LinkedHashSet<>();
        rows.forEach(r -> {
            rates.add(r.rate());
            series.add(r.series());
        });
        for (int rate : rates) {
            for (String name : series) {
                List<Row> these = rows.stream()
                        .filter(r -> r.rate() == rate && r.series().equals(name))
                        .toList();
                out.printf(
                        Locale.ROOT,
                        "| %d/s | %s | %s | %s | %s |%n",
                        rate,
                        name,
                        spread(these, r -> r.ms(50)),
                        spread(these, r -> r.ms(99)),
                        spread(these, r -> r.ms(99.9)));
            }
        }
        out.println();
        out.println("| rate | pgnotify/Vert.x p50 | pgnotify/Vert.x p99 | pgnotify/naive p50 | naive/pgnotify p50 |");
        out.println("|---:|---:|---:|---:|---:|");
        for (int rate : rates) {
            List<double[]> perRun = new ArrayList<>();
            rows.stream().map(Row::run).distinct().forEach(run -> {
                List<Row> step = rows.stream()
                        .filter(r -> r.run() == run && r.rate() == rate)
                        .toList();
                Row p = find(step, PGNOTIFY);
                Row v = find(step, VERTX);
                Row n = find(step, NAIVE);
                perRun.add(new double[] {
                    p != null && v != null ? p.ms(50) / v.ms(50) : Double.NaN,
                    p != null && v != null ? p.ms(99) / v.ms(99) : Double.NaN,
                    p != null && n != null ? p.ms(50) / n.ms(50) : Double.NaN,
                    p != null && n != null ? n.ms(50) / p.ms(50) : Double.NaN
                });
            });
            out.printf(
                    Locale.ROOT,
                    "| %d/s | %s | %s | %s | %s |%n",
                    rate,
                    spreadOf(perRun, 0),
                    spreadOf(perRun, 1),
                    spreadOf(perRun, 2),
                    spreadOf(perRun, 3));
        }
        libpqSummary(rates);
        out.flush();
    }

    /** pgnotify and Vert.x against the C baseline, per rate: median [min – max] over runs, and the goal's verdict. */
    private void libpqSummary(Set<Integer> rates) {
        if (rows.stream().noneMatch(r -> r.series().equals(LIBPQ))) {
            return;
        }
        out.println();
        out.printf(
                Locale.ROOT,
                "### Against libpq (goal: pgnotify p50 ≤ %.2f×, p99 ≤ %.1f×, in every run)%n%n",
                LIBPQ_GOAL_P50,
                LIBPQ_GOAL_P99);
        out.println(
                "| rate | libpq p50 ms | pgnotify/libpq p50 | pgnotify/libpq p99 | Vert.x/libpq p50 | Vert.x/libpq p99"
                        + " | goal met in runs | hand-off/libpq p50 | hand-off/libpq p99 | no watcher/libpq p50 | no watcher/libpq p99 |");
        out.println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (int rate : rates) {
            List<double[]> perRun = new ArrayList<>();
            List<Row> baseline = new ArrayList<>();
            rows.stream().map(Row::run).distinct().forEach(run -> {
                List<Row> step = rows.stream()
                        .filter(r -> r.run() == run && r.rate() == rate)
                        .toList();
                Row l = find(step, LIBPQ);
                if (l == null) {
                    return;
                }
                baseline.add(l);
                Row p = find(step, PGNOTIFY);
                Row v = find(step, VERTX);
                Row k = find(step, HANDOFF);
                Row w = find(step, NO_WATCHER);
                perRun.add(new double[] {
                    p != null ? p.ms(50) / l.ms(50) : Double.NaN,
                    p != null ? p.ms(99) / l.ms(99) : Double.NaN,
                    v != null ? v.ms(50) / l.ms(50) : Double.NaN,
                    v != null ? v.ms(99) / l.ms(99) : Double.NaN,
                    k != null ? k.ms(50) / l.ms(50) : Double.NaN,
                    k != null ? k.ms(99) / l.ms(99) : Double.NaN,
                    w != null ? w.ms(50) / l.ms(50) : Double.NaN,
                    w != null ? w.ms(99) / l.ms(99) : Double.NaN
                });
            });
            long met = perRun.stream()
                    .filter(r -> r[0] <= LIBPQ_GOAL_P50 && r[1] <= LIBPQ_GOAL_P99)
                    .count();
            out.printf(
                    Locale.ROOT,
                    "| %d/s | %s | %s | %s | %s | %s | %d of %d | %s | %s | %s | %s |%n",
                    rate,
                    spread(baseline, r -> r.ms(50)),
                    spreadOf(perRun, 0),
                    spreadOf(perRun, 1),
                    spreadOf(perRun, 2),
                    spreadOf(perRun, 3),
                    met,
                    perRun.size(),
                    spreadOf(perRun, 4),
                    spreadOf(perRun, 5),
                    spreadOf(perRun, 6),
                    spreadOf(perRun, 7));
        }
    }

    private static String spreadOf(List<double[]> perRun, int index) {
        List<Double> values = perRun.stream()
                .map(a -> a[index])
                .filter(d -> !d.isNaN())
                .sorted()
                .toList();
        return format(values, "%.2f");
    }

    private static String spread(List<Row> rows, ToDoubleFunction<Row> value) {
        List<Double> values = rows.stream()
                .map(r -> value.applyAsDouble(r))
                .sorted(Comparator.naturalOrder())
                .toList();
        return format(values, "%.3f");
    }

    private static String format(List<Double> sorted, String pattern) {
        if (sorted.isEmpty()) {
            return "–";
        }
        double median = sorted.size() % 2 == 1
                ? sorted.get(sorted.size() / 2)
                : (sorted.get(sorted.size() / 2 - 1) + sorted.get(sorted.size() / 2)) / 2;
        String m = String.format(Locale.ROOT, pattern, median);
        if (sorted.size() == 1) {
            return m;
        }
        return m + " [" + String.format(Locale.ROOT, pattern, sorted.get(0)) + " – "
                + String.format(Locale.ROOT, pattern, sorted.get(sorted.size() - 1)) + "]";
    }

    private static Row find(List<Row> rows, String series) {
        return rows.stream().filter(r -> r.series().equals(series)).findFirst().orElse(null);
    }
}
