package io.pgnotify.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * End-to-end receive latency of LISTEN/NOTIFY clients, side by side: every listener hears the same notifications from
 * one fixed-rate publisher in the same JVM, and each records (receive time − send time) with
 * {@link System#nanoTime()}. See docs/benchmarks.md for the command and the results.
 */
public final class LatencyBenchmark {

    private static boolean libpqSkipReported; // main thread only

    private LatencyBenchmark() {}

    public static void main(String[] args) throws Exception {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            if (!e.getMessage().isEmpty()) {
                System.err.println(e.getMessage());
            }
            System.err.print(Options.USAGE);
            System.exit(2);
            return;
        }
        Report report = new Report(System.out);
        describeMachine(options);
        int step = 0;
        for (int run = 1; run <= options.runs(); run++) {
            System.out.printf("%n### Run %d of %d (load average %s)%n", run, options.runs(), loadAverage());
            List<Listener> listeners = startListeners(options, run);
            try (Connection publishing = options.server().connect()) {
                FixedRatePublisher publisher = new FixedRatePublisher(publishing, options.channel(), options.poisson());
                for (int rate : options.rates()) {
                    step++;
                    int current = step;
                    for (Listener listener : listeners) {
                        listener.note(); // resets its counters
                        listener.series().forEach(s -> s.begin(current));
                    }
                    FixedRatePublisher.Result sent = publisher.run(current, rate, options.warmup(), options.measured());
                    awaitDelivery(listeners, sent.measuredSent());
                    List<Report.Row> rows = new ArrayList<>();
                    List<String> notes = new ArrayList<>();
                    for (Listener listener : listeners) {
                        for (Latencies series : listener.series()) {
                            rows.add(new Report.Row(
                                    run,
                                    rate,
                                    series.listener(),
                                    series.measured(),
                                    sent.measuredSent(),
                                    series.histogram()));
                        }
                        notes.add(listener.note());
                    }
                    report.step(run, rate, sent, rows, notes);
                }
            } finally {
                listeners.forEach(Listener::close);
            }
        }
        report.summary();
        System.exit(0); // Vert.x and the notifier leave daemon threads only, but do not wait on stragglers
    }

    /**
     * Starts the listeners in an order that turns with every run: PostgreSQL signals listening backends one after the
     * other in the order they connected, so the first to listen is woken first, tens of microseconds ahead at times.
     */
    private static List<Listener> startListeners(Options options, int run) throws Exception {
        List<Listener> listeners = new ArrayList<>();
        List<String> names = new ArrayList<>(options.listeners());
        java.util.Collections.rotate(names, -(run - 1));
        for (String name : names) {
            if (name.equals("libpq") && !libpqAvailable()) {
                continue;
            }
            Listener listener = switch (name) {
                case "pgnotify" -> new PgnotifyListener(options.server(), options.channel());
                case "pgnotify-handoff" -> PgnotifyListener.handingOff(options.server(), options.channel());
                case "pgnotify-no-watcher" -> PgnotifyListener.withoutWatcher(options.server(), options.channel());
                case "pgnotify-own-jvm" -> new OwnJvmListener(options.server(), options.channel());
                case "libpq" -> new LibpqListener(options.server(), options.channel());
                case "vertx" -> new VertxListener(options.server(), options.channel());
                case "naive" -> new PgjdbcLoopListener(options.server(), options.channel(), false);
                case "prompt" -> new PgjdbcLoopListener(options.server(), options.channel(), true);
                default -> throw new IllegalArgumentException(name);
            };
            listeners.add(listener);
            listener.start();
        }
        return listeners;
    }

    /** Compiles the C baseline, or says once, in the report, why it is left out. */
    private static boolean libpqAvailable() throws InterruptedException {
        try {
            LibpqListener.compile();
            return true;
        } catch (LibpqListener.Unavailable e) {
            if (!libpqSkipReported) {
                System.out.println("- libpq listener (C baseline) skipped: " + e.getMessage());
                libpqSkipReported = true;
            }
            return false;
        }
    }

    /** Waits until every listener has the step's measured notifications, at most 10 s. */
    private static void awaitDelivery(List<Listener> listeners, long expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (Listener listener : listeners) {
            Latencies series = listener.series().get(0);
            while (series.measured() < expected && System.nanoTime() - deadline < 0) {
                Thread.sleep(10);
            }
        }
    }

    private static void describeMachine(Options options) throws SQLException {
        System.out.println("## Latency benchmark");
        System.out.println();
        System.out.printf(
                Locale.ROOT,
                "- CPUs: %d (%s)%n- JDK: %s %s (%s)%n",
                Runtime.getRuntime().availableProcessors(),
                cpuModel(),
                System.getProperty("java.vm.name"),
                System.getProperty("java.runtime.version"),
                System.getProperty("os.arch"));
        try (Connection c = options.server().connect();
                Statement statement = c.createStatement();
                ResultSet rs = statement.executeQuery("SHOW server_version")) {
            rs.next();
            System.out.printf(
                    "- PostgreSQL %s at %s; pgjdbc %s%n",
                    rs.getString(1), options.server(), c.getMetaData().getDriverVersion());
        }
        System.out.printf(
                Locale.ROOT,
                "- Steps: %s notifications/s (%s arrivals), each %d s warm-up (discarded) + %d s measured; %d run(s);"
                        + " listeners %s%n",
                options.rates(),
                options.poisson() ? "Poisson" : "evenly spaced",
                options.warmup().toSeconds(),
                options.measured().toSeconds(),
                options.runs(),
                options.listeners());
        System.out.printf("- Load average before: %s%n", loadAverage());
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim())
                    .findFirst()
                    .orElse("unknown model");
        } catch (IOException e) {
            return "unknown model";
        }
    }

    private static String loadAverage() {
        try (InputStream in = Files.newInputStream(Path.of("/proc/loadavg"))) {
            String[] parts = new String(in.readAllBytes()).trim().split(" ");
            return parts[0] + " " + parts[1] + " " + parts[2];
        } catch (IOException e) {
            return "unknown";
        }
    }
}
