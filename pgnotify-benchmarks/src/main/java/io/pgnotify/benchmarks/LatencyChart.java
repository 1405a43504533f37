package io.pgnotify.benchmarks;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;

/**
 * Draws {@link LatencyBenchmark}'s output as a PNG: p50 and p99 latency against offered rate, one line per listener,
 * both axes logarithmic; each point is the median over the runs. It reads a data file under docs/benchmarks/: the
 * per-step tables of a run when the file has them, otherwise its "spread across runs" tables (already medians).
 * Without arguments it redraws the published chart from its data file; run it from the repository root:
 *
 * <pre>{@code
 * java -cp pgnotify-benchmarks/target/pgnotify-benchmarks.jar io.pgnotify.benchmarks.LatencyChart \
 *     [docs/benchmarks/latency-2026-11-27-quiet.md [docs/benchmarks-latency.png]]
 * }</pre>
 */
public final class LatencyChart {

    private static final Pattern STEP = Pattern.compile("^#+ Run \\d+, (\\d+)/s:.*");
    private static final Pattern ROW =
            Pattern.compile("^\\| ([^|]+?) \\| \\d+/\\d+ \\| ([0-9.]+) \\| [0-9.]+ \\| ([0-9.]+) \\|.*");
    private static final Pattern SPREAD_ROW = Pattern.compile(
            "^\\| (\\d+)/s \\| ([^|\\d][^|]*?) \\| ([0-9.]+)(?: \\[[^]]*])? \\| ([0-9.]+)(?: \\[[^]]*])? \\|.*");
    private static final String DATA = "docs/benchmarks/latency-2026-11-27-quiet.md";
    private static final String CHART = "docs/benchmarks-latency.png";
    private static final Color[] COLORS = {
        new Color(0x4C72B0), new Color(0xDD8452), new Color(0x55A868), new Color(0xC44E52), new Color(0x8172B3)
    };

    private LatencyChart() {}

    public static void main(String[] args) throws Exception {
        // listener -> rate -> p50 and p99 samples, one per run
        Map<String, TreeMap<Integer, List<double[]>>> samples = new LinkedHashMap<>();
        Map<String, TreeMap<Integer, List<double[]>>> medians = new LinkedHashMap<>();
        int rate = 0;
        for (String line : Files.readAllLines(Path.of(args.length > 0 ? args[0] : DATA))) {
            Matcher step = STEP.matcher(line);
            if (step.matches()) {
                rate = Integer.parseInt(step.group(1));
                continue;
            }
            Matcher row = ROW.matcher(line);
            if (row.matches() && rate > 0 && !row.group(1).contains("of which")) {
                add(samples, row.group(1), rate, row.group(2), row.group(3));
                continue;
            }
            Matcher spread = SPREAD_ROW.matcher(line);
            if (spread.matches() && !spread.group(2).contains("of which")) {
                add(medians, spread.group(2), Integer.parseInt(spread.group(1)), spread.group(3), spread.group(4));
            }
        }
        if (samples.isEmpty()) {
            samples = medians;
        }
        int width = 1100;
        int height = 560;
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        g.drawString("Receive latency against offered rate (median of runs; solid p50, dashed p99)", 70, 28);
        double minRate = Math.log10(samples.values().stream()
                .flatMap(m -> m.keySet().stream())
                .min(Integer::compare)
                .orElse(1));
        double maxRate = Math.log10(samples.values().stream()
                .flatMap(m -> m.keySet().stream())
                .max(Integer::compare)
                .orElse(10));
        double minMs = -2; // 0.01 ms
        double maxMs = 3; // 1000 ms
        int left = 80;
        int top = 50;
        int plotWidth = 700;
        int plotHeight = 440;
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        for (int p = (int) minMs; p <= maxMs; p++) {
            int y = top + plotHeight - (int) ((p - minMs) / (maxMs - minMs) * plotHeight);
            g.setColor(new Color(0xDDDDDD));
            g.drawLine(left, y, left + plotWidth, y);
            g.setColor(Color.DARK_GRAY);
            g.drawString(formatMs(Math.pow(10, p)), left - 60, y + 4);
        }
        for (int p = (int) Math.floor(minRate); p <= Math.ceil(maxRate); p++) {
            for (int m : new int[] {1, 2, 5}) {
                double value = Math.log10(m * Math.pow(10, p));
                if (value < minRate - 1e-9 || value > maxRate + 1e-9) {
                    continue;
                }
                int x = x(value, minRate, maxRate, left, plotWidth);
                g.setColor(new Color(0xDDDDDD));
                g.drawLine(x, top, x, top + plotHeight);
                g.setColor(Color.DARK_GRAY);
                g.drawString((int) Math.round(Math.pow(10, value)) + "/s", x - 14, top + plotHeight + 18);
            }
        }
        g.setColor(Color.BLACK);
        g.drawRect(left, top, plotWidth, plotHeight);
        g.drawString("offered rate (notifications/s)", left + plotWidth / 2 - 80, top + plotHeight + 40);
        int index = 0;
        for (Map.Entry<String, TreeMap<Integer, List<double[]>>> listener : samples.entrySet()) {
            Color color = COLORS[index % COLORS.length];
            for (int percentile = 0; percentile < 2; percentile++) {
                g.setColor(color);
                g.setStroke(
                        percentile == 0
                                ? new BasicStroke(2.5f)
                                : new BasicStroke(
                                        1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {6, 4}, 0));
                int previousX = -1;
                int previousY = -1;
                for (Map.Entry<Integer, List<double[]>> point :
                        listener.getValue().entrySet()) {
                    double ms = median(point.getValue(), percentile);
                    int x = x(Math.log10(point.getKey()), minRate, maxRate, left, plotWidth);
                    double clamped = Math.max(minMs, Math.min(maxMs, Math.log10(ms)));
                    int y = top + plotHeight - (int) ((clamped - minMs) / (maxMs - minMs) * plotHeight);
                    g.fillOval(x - 3, y - 3, 6, 6);
                    if (previousX >= 0) {
                        g.drawLine(previousX, previousY, x, y);
                    }
                    previousX = x;
                    previousY = y;
                }
            }
            g.setStroke(new BasicStroke(2.5f));
            int legendY = top + 20 + index * 24;
            g.drawLine(left + plotWidth + 20, legendY - 4, left + plotWidth + 45, legendY - 4);
            g.setColor(Color.BLACK);
            g.drawString(listener.getKey(), left + plotWidth + 52, legendY);
            index++;
        }
        g.dispose();
        ImageIO.write(image, "png", new File(args.length > 1 ? args[1] : CHART));
    }

    private static void add(
            Map<String, TreeMap<Integer, List<double[]>>> into, String listener, int rate, String p50, String p99) {
        into.computeIfAbsent(listener.trim(), k -> new TreeMap<>())
                .computeIfAbsent(rate, k -> new ArrayList<>())
                .add(new double[] {Double.parseDouble(p50), Double.parseDouble(p99)});
    }

    private static int x(double logRate, double minRate, double maxRate, int left, int plotWidth) {
        double span = Math.max(1e-9, maxRate - minRate);
        return left + (int) ((logRate - minRate) / span * plotWidth);
    }

    private static double median(List<double[]> values, int percentile) {
        double[] sorted =
                values.stream().mapToDouble(v -> v[percentile]).sorted().toArray();
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static String formatMs(double ms) {
        return ms >= 1 ? String.format("%.0f ms", ms) : String.format("%s ms", ms);
    }
}
