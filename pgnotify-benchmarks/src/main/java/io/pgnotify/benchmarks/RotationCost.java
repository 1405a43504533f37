package io.pgnotify.benchmarks;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * What a rotation's overlap costs the publishers: NOTIFY commits while two backends listen to the channel (the old
 * session and the new one, as during a rotation) against one. Publishers commit {@code SELECT pg_notify(?, ?)} in a
 * loop on their own connections while plain pgjdbc loops drain every listening connection; each round runs both
 * configurations back to back, the first one alternating, so that neighbours' load falls on both alike. Reports
 * commits/s and per-commit latency p50/p99 as median [min – max] over the rounds, and the two-over-one ratio of each
 * round. Without {@code --url} it starts an embedded PostgreSQL.
 *
 * <pre>{@code
 * java -cp pgnotify-benchmarks/target/pgnotify-benchmarks.jar io.pgnotify.benchmarks.RotationCost \
 *     --publishers 2 --seconds 5 --rounds 6
 * }</pre>
 */
public final class RotationCost {

    static final String CHANNEL = "bench_rotation";
    static final String PAYLOAD = "0123456789abcdef"; // 16 bytes

    private RotationCost() {}

    record Trial(double commitsPerSecond, double p50Micros, double p99Micros, long lost) {}

    public static void main(String[] args) throws Exception {
        Flags flags = Flags.parse(args);
        int publishers = flags.number("publishers", 2);
        int seconds = flags.number("seconds", 5);
        int rounds = flags.number("rounds", 6);
        EmbeddedPostgres embedded = null;
        Server server;
        if (flags.text("url", null) == null) {
            embedded = EmbeddedPostgres.builder().start();
            server = Server.of(embedded.getJdbcUrl("postgres", "postgres"), "postgres", null);
        } else {
            server = flags.server();
        }
        try {
            try (Connection c = server.connect();
                    Statement s = c.createStatement()) {
                System.out.println("server: " + scalar(s, "SELECT version()") + "; synchronous_commit "
                        + scalar(s, "SHOW synchronous_commit") + ", fsync " + scalar(s, "SHOW fsync") + "; cores "
                        + Runtime.getRuntime().availableProcessors() + "; publishers " + publishers + ", "
                        + seconds + " s per trial, " + rounds + " rounds");
            }
            trial(server, publishers, 1, Math.min(2, seconds)); // warm-up: JIT, connections, the queue's pages
            List<Trial> one = new ArrayList<>();
            List<Trial> two = new ArrayList<>();
            for (int round = 0; round < rounds; round++) {
                String load = PublishThroughput.loadAverage();
                if (round % 2 == 0) {
                    one.add(trial(server, publishers, 1, seconds));
                    two.add(trial(server, publishers, 2, seconds));
                } else {
                    two.add(trial(server, publishers, 2, seconds));
                    one.add(trial(server, publishers, 1, seconds));
                }
                System.out.println(Spread.f(
                        "round %d of %d: one listener %.0f commits/s (p50 %.0f µs, p99 %.0f µs), two %.0f commits/s"
                                + " (p50 %.0f µs, p99 %.0f µs); load average %s → %s",
                        round + 1,
                        rounds,
                        one.get(round).commitsPerSecond(),
                        one.get(round).p50Micros(),
                        one.get(round).p99Micros(),
                        two.get(round).commitsPerSecond(),
                        two.get(round).p50Micros(),
                        two.get(round).p99Micros(),
                        load,
                        PublishThroughput.loadAverage()));
            }
            print(one, two);
        } finally {
            if (embedded != null) {
                embedded.close();
            }
        }
    }

    /** Publishers commit NOTIFYs for {@code seconds} while {@code listeners} connections listen and drain. */
    static Trial trial(Server server, int publishers, int listeners, int seconds) throws Exception {
        List<ReceiveThroughput.Listener> draining = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        List<Histogram> histograms = new ArrayList<>();
        AtomicLong commits = new AtomicLong();
        AtomicBoolean running = new AtomicBoolean(true);
        List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        try {
            for (int i = 0; i < listeners; i++) {
                draining.add(ReceiveThroughput.plainLoop(server, new String[] {CHANNEL}));
            }
            for (int p = 0; p < publishers; p++) {
                Histogram histogram = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
                histograms.add(histogram);
                Connection connection = server.connect();
                Thread thread = new Thread(
                        () -> {
                            try (connection;
                                    PreparedStatement notify = connection.prepareStatement("SELECT pg_notify(?, ?)")) {
                                notify.setString(1, CHANNEL);
                                notify.setString(2, PAYLOAD);
                                while (running.get()) {
                                    long start = System.nanoTime();
                                    notify.execute();
                                    histogram.recordValue(
                                            Math.min(System.nanoTime() - start, TimeUnit.SECONDS.toNanos(10)));
                                    commits.incrementAndGet();
                                }
                            } catch (Exception e) {
                                failures.add(e);
                            }
                        },
                        "rotation-cost-publisher-" + p);
                threads.add(thread);
            }
            long started = System.nanoTime();
            threads.forEach(Thread::start);
            Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
            running.set(false);
            for (Thread thread : threads) {
                thread.join(10_000);
            }
            double elapsed = (System.nanoTime() - started) / 1e9;
            if (!failures.isEmpty()) {
                throw new IllegalStateException("a publisher failed", failures.get(0));
            }
            // The listeners must have drained everything: else they were not keeping up and the trial says nothing.
            long expected = commits.get();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < deadline && draining.stream().anyMatch(l -> l.received() < expected)) {
                Thread.sleep(10);
            }
            long lost = 0;
            for (ReceiveThroughput.Listener l : draining) {
                lost += Math.max(0, expected - l.received());
            }
            Histogram all = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
            histograms.forEach(all::add);
            return new Trial(
                    expected / elapsed, all.getValueAtPercentile(50) / 1e3, all.getValueAtPercentile(99) / 1e3, lost);
        } finally {
            running.set(false);
            for (ReceiveThroughput.Listener l : draining) {
                l.close();
            }
        }
    }

    private static void print(List<Trial> one, List<Trial> two) {
        Spread rate1 = new Spread();
        Spread rate2 = new Spread();
        Spread p50one = new Spread();
        Spread p50two = new Spread();
        Spread p99one = new Spread();
        Spread p99two = new Spread();
        Spread rateRatio = new Spread();
        Spread p50Ratio = new Spread();
        Spread p99Ratio = new Spread();
        long lost = 0;
        for (int i = 0; i < one.size(); i++) {
            Trial a = one.get(i);
            Trial b = two.get(i);
            rate1.add(a.commitsPerSecond());
            rate2.add(b.commitsPerSecond());
            p50one.add(a.p50Micros());
            p50two.add(b.p50Micros());
            p99one.add(a.p99Micros());
            p99two.add(b.p99Micros());
            rateRatio.add(b.commitsPerSecond() / a.commitsPerSecond());
            p50Ratio.add(b.p50Micros() / a.p50Micros());
            p99Ratio.add(b.p99Micros() / a.p99Micros());
            lost += a.lost() + b.lost();
        }
        System.out.println();
        System.out.println("| listening backends | commits/s | p50 per commit (µs) | p99 per commit (µs) |");
        System.out.println("|---|---|---|---|");
        System.out.println("| 1 (steady state) | " + rate1.format("%.0f") + " | " + p50one.format("%.0f") + " | "
                + p99one.format("%.0f") + " |");
        System.out.println("| 2 (during a rotation's overlap) | " + rate2.format("%.0f") + " | " + p50two.format("%.0f")
                + " | " + p99two.format("%.0f") + " |");
        System.out.println("| ratio 2 / 1, per round | " + rateRatio.format("%.3f") + " | " + p50Ratio.format("%.3f")
                + " | " + p99Ratio.format("%.3f") + " |");
        System.out.println();
        System.out.println("notifications not drained by a listener within 10 s of a trial's end: " + lost);
    }

    private static String scalar(Statement statement, String sql) throws java.sql.SQLException {
        try (ResultSet rs = statement.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
