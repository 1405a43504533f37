package io.pgnotify.benchmarks;

import io.pgnotify.core.ConnectionProvider;
import io.pgnotify.core.Notifier;
import io.pgnotify.core.NotifierState;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * What a handler that turns slow now and then costs the other channels of its notifier, with and without the watcher:
 * two notifiers in one JVM (one with {@code pgnotify.dispatch.watcher=false}), each subscribed to a measured channel
 * whose handler returns at once and to a second channel whose handler waits {@code --slow-micros} on every
 * {@code --slow-every}-th call and returns at once otherwise. With the watcher, a handler that was short runs on the
 * reading thread, so its slow call holds the reading up until the watcher takes it over (about a tick); without it,
 * every call is handed to a worker first. The measured channel's latency, send to handler entry, shows the difference:
 *
 * <pre>
 * java -cp pgnotify-benchmarks/target/pgnotify-benchmarks.jar io.pgnotify.benchmarks.MixedHandlers \
 *     --rate 1000 --slow-every 20 --slow-micros 2000 --seconds 20 --runs 4
 * </pre>
 *
 * <p>{@code --rate} is per channel; each tick sends one notification on each, in turn. The first two seconds of a run
 * are warm-up. The notifiers are built in an order that turns with every run (PostgreSQL signals the listening
 * backends in the order they listened). Prints a Markdown table per run and the spread of the ratios.
 */
public final class MixedHandlers {

    private static final String FAST = "mixed_fast";
    private static final String MIXED = "mixed_other";
    private static final long WARMUP_NANOS = TimeUnit.SECONDS.toNanos(2);

    private MixedHandlers() {}

    public static void main(String[] args) throws Exception {
        Flags flags = Flags.parse(args);
        int rate = flags.number("rate", 1000);
        int slowEvery = flags.number("slow-every", 20);
        int slowMicros = flags.number("slow-micros", 2000);
        int seconds = flags.number("seconds", 20);
        int runs = flags.number("runs", 4);
        Server server = flags.server();
        System.out.printf(
                Locale.ROOT,
                "Mixed handlers: %d/s per channel, every %d-th call on the other channel waits %d µs, %d s × %d runs,"
                        + " %d CPUs%n",
                rate,
                slowEvery,
                slowMicros,
                seconds,
                runs,
                Runtime.getRuntime().availableProcessors());
        List<Spread> ratios = List.of(new Spread(), new Spread(), new Spread(), new Spread());
        for (int run = 1; run <= runs; run++) {
            List<Variant> variants = new ArrayList<>();
            boolean watcherFirst = run % 2 == 1;
            for (boolean watcher : watcherFirst ? new boolean[] {true, false} : new boolean[] {false, true}) {
                variants.add(new Variant(server, watcher, slowEvery, slowMicros));
            }
            try {
                publish(server, rate, seconds);
                for (Variant variant : variants) {
                    variant.awaitAll(seconds * rate);
                }
                Variant on = variants.get(watcherFirst ? 0 : 1);
                Variant off = variants.get(watcherFirst ? 1 : 0);
                Histogram withWatcher = on.fast.getIntervalHistogram();
                Histogram without = off.fast.getIntervalHistogram();
                System.out.printf(
                        Locale.ROOT,
                        "%n### Run %d (built first: %s)%n%n| fast channel, µs | p50 | p90 | p99 | p99.9 | max | over 1 ms |"
                                + "%n|---|---|---|---|---|---|---|%n",
                        run,
                        watcherFirst ? "watcher" : "no watcher");
                row("watcher", withWatcher);
                row("no watcher", without);
                double[] percentiles = {50, 90, 99, 99.9};
                for (int i = 0; i < percentiles.length; i++) {
                    ratios.get(i)
                            .add((double) withWatcher.getValueAtPercentile(percentiles[i])
                                    / without.getValueAtPercentile(percentiles[i]));
                }
            } finally {
                variants.forEach(Variant::close);
            }
        }
        System.out.printf(
                Locale.ROOT,
                "%nWatcher ÷ no watcher, median [min – max] of %d runs: p50 %s, p90 %s, p99 %s, p99.9 %s%n",
                runs,
                ratios.get(0).format("%.2f"),
                ratios.get(1).format("%.2f"),
                ratios.get(2).format("%.2f"),
                ratios.get(3).format("%.2f"));
        System.exit(0);
    }

    private static void row(String name, Histogram h) {
        System.out.printf(
                Locale.ROOT,
                "| %s | %.0f | %.0f | %.0f | %.0f | %.0f | %.2f %% |%n",
                name,
                h.getValueAtPercentile(50) / 1e3,
                h.getValueAtPercentile(90) / 1e3,
                h.getValueAtPercentile(99) / 1e3,
                h.getValueAtPercentile(99.9) / 1e3,
                h.getMaxValue() / 1e3,
                100.0 * (h.getTotalCount() - h.getCountBetweenValues(0, 1_000_000)) / h.getTotalCount());
    }

    /** Sends one notification on each channel per tick; the measured one carries its send time. */
    private static void publish(Server server, int rate, int seconds) throws Exception {
        try (Connection connection = server.connect();
                PreparedStatement notify = connection.prepareStatement("SELECT pg_notify(?, ?)")) {
            long interval = TimeUnit.SECONDS.toNanos(1) / rate;
            long start = System.nanoTime();
            long count = (long) seconds * rate;
            for (long i = 0; i < count; i++) {
                long wait = start + i * interval - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
                long now = System.nanoTime();
                boolean measured = now - start >= WARMUP_NANOS;
                notify.setString(1, FAST);
                notify.setString(2, (measured ? "m " : "w ") + now);
                notify.execute();
                notify.setString(1, MIXED);
                notify.setString(2, Long.toString(i));
                notify.execute();
            }
        }
    }

    /** One notifier with the watcher on or off, and what it measured. */
    private static final class Variant implements AutoCloseable {

        final Recorder fast = new Recorder(TimeUnit.SECONDS.toNanos(60), 3);
        private final Notifier notifier;
        private volatile long fastSeen;
        private volatile long otherSeen;

        Variant(Server server, boolean watcher, int slowEvery, int slowMicros) throws Exception {
            String before = System.getProperty("pgnotify.dispatch.watcher");
            System.setProperty("pgnotify.dispatch.watcher", Boolean.toString(watcher));
            try {
                notifier = Notifier.builder(ConnectionProvider.of(server.jdbcUrl(), server.user(), server.password()))
                        .name(watcher ? "mixed-watcher" : "mixed-no-watcher")
                        .build();
            } finally {
                if (before == null) {
                    System.clearProperty("pgnotify.dispatch.watcher");
                } else {
                    System.setProperty("pgnotify.dispatch.watcher", before);
                }
            }
            notifier.subscribe(FAST, n -> {
                long now = System.nanoTime();
                String payload = n.payload();
                if (payload.startsWith("m ")) {
                    fast.recordValue(Math.max(0, now - Long.parseLong(payload.substring(2))));
                }
                fastSeen++; // one lane: one thread at a time
            });
            long slowNanos = TimeUnit.MICROSECONDS.toNanos(slowMicros);
            notifier.subscribe(MIXED, n -> {
                if (Long.parseLong(n.payload()) % slowEvery == slowEvery - 1) {
                    LockSupport.parkNanos(slowNanos); // a blocking call: a query, a remote service
                }
                otherSeen++;
            });
            notifier.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (notifier.state() != NotifierState.LISTENING) {
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException("not listening after 30 s: " + notifier.status());
                }
                Thread.sleep(10);
            }
        }

        void awaitAll(long perChannel) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (fastSeen < perChannel || otherSeen < perChannel) {
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException("missing notifications after 60 s: " + notifier.status());
                }
                Thread.sleep(10);
            }
        }

        @Override
        public void close() {
            notifier.close();
        }
    }
}
