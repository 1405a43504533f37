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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;

/**
 * Draws {@link PublishThroughput}'s output as a PNG: notifications per second per contender, one bar per concurrency,
 * on a logarithmic axis, from the "Concurrency N" sections of its output or of a data file under docs/benchmarks/.
 * Without arguments it redraws the published chart from its data file; run it from the repository root:
 *
 * <pre>{@code
 * java -cp pgnotify-benchmarks/target/pgnotify-benchmarks.jar io.pgnotify.benchmarks.PublishChart \
 *     [docs/benchmarks/publish-throughput-2026-11-27.md [docs/benchmarks-publish-throughput.png]]
 * }</pre>
 */
public final class PublishChart {

    private static final Pattern HEADER = Pattern.compile("^#### Concurrency (\\d+).*");
    private static final Pattern ROW = Pattern.compile("^\\| ([^|]+) \\| [^|]+ \\| ([0-9,]+) \\[.*");
    private static final Pattern OTHER_HEADING = Pattern.compile("^#+ .*");
    private static final String DATA = "docs/benchmarks/publish-throughput-2026-11-27.md";
    private static final String CHART = "docs/benchmarks-publish-throughput.png";
    private static final Color[] COLORS = {new Color(0x4C72B0), new Color(0xDD8452), new Color(0x55A868)};

    private PublishChart() {}

    public static void main(String[] args) throws Exception {
        Map<String, Map<Integer, Double>> values = new LinkedHashMap<>();
        List<Integer> concurrencies = new ArrayList<>();
        int concurrency = 0;
        for (String line : Files.readAllLines(Path.of(args.length > 0 ? args[0] : DATA))) {
            Matcher header = HEADER.matcher(line);
            if (header.matches()) {
                concurrency = Integer.parseInt(header.group(1));
                if (!concurrencies.contains(concurrency)) {
                    concurrencies.add(concurrency);
                }
                continue;
            }
            if (OTHER_HEADING.matcher(line).matches()) {
                concurrency = 0; // e.g. the write-transaction table, whose columns mean something else
                continue;
            }
            Matcher row = ROW.matcher(line);
            if (row.matches() && concurrency > 0) {
                values.computeIfAbsent(row.group(1).replace("`", ""), k -> new LinkedHashMap<>())
                        .put(concurrency, Double.parseDouble(row.group(2).replace(",", "")));
            }
        }
        int left = 430;
        int right = 40;
        int top = 60;
        int barHeight = 14;
        int groupHeight = barHeight * concurrencies.size() + 12;
        int width = 1100;
        int height = top + groupHeight * values.size() + 70;
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        g.drawString("Publish throughput, notifications/s (median of repetitions, log scale)", left - 300, 28);
        double minLog = 3; // 1,000/s
        double maxLog = 7; // 10,000,000/s
        int plotWidth = width - left - right;
        int plotBottom = top + groupHeight * values.size();
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        for (int p = (int) minLog; p <= maxLog; p++) {
            int x = left + (int) ((p - minLog) / (maxLog - minLog) * plotWidth);
            g.setColor(new Color(0xDDDDDD));
            g.drawLine(x, top - 5, x, plotBottom);
            g.setColor(Color.DARK_GRAY);
            String label = String.format("%,d", (long) Math.pow(10, p));
            g.drawString(label, x - g.getFontMetrics().stringWidth(label) / 2, plotBottom + 18);
        }
        int y = top;
        for (var entry : values.entrySet()) {
            g.setColor(Color.BLACK);
            g.drawString(entry.getKey(), 10, y + groupHeight / 2);
            for (int i = 0; i < concurrencies.size(); i++) {
                Double value = entry.getValue().get(concurrencies.get(i));
                if (value == null || value <= 0) {
                    continue;
                }
                double log = Math.max(minLog, Math.log10(value));
                int w = (int) ((log - minLog) / (maxLog - minLog) * plotWidth);
                g.setColor(COLORS[i % COLORS.length]);
                g.fillRect(left, y + i * barHeight, w, barHeight - 2);
                g.setColor(Color.DARK_GRAY);
                g.drawString(String.format("%,.0f", value), left + w + 4, y + i * barHeight + barHeight - 3);
            }
            y += groupHeight;
        }
        g.setColor(Color.BLACK);
        g.setStroke(new BasicStroke(1));
        g.drawLine(left, top - 5, left, plotBottom);
        int legendX = left;
        for (int i = 0; i < concurrencies.size(); i++) {
            g.setColor(COLORS[i % COLORS.length]);
            g.fillRect(legendX, plotBottom + 32, 14, 12);
            g.setColor(Color.BLACK);
            String label = "concurrency " + concurrencies.get(i) + " (HikariCP pool of the same size)";
            g.drawString(label, legendX + 20, plotBottom + 43);
            legendX += g.getFontMetrics().stringWidth(label) + 50;
        }
        g.dispose();
        ImageIO.write(image, "png", new File(args.length > 1 ? args[1] : CHART));
    }
}
