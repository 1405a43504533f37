package io.pgnotify.benchmarks;

import io.pgnotify.core.ConnectionProvider;
import io.pgnotify.core.Notifier;
import io.pgnotify.core.NotifierState;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.jspecify.annotations.Nullable;

/**
 * Scale-out by simulation: N {@link Notifier}s, each with its own listening connection, as N application instances
 * would have, all on one channel. For each N: the rate one publisher reaches with single-notification transactions
 * (every NOTIFY must signal N listening backends), then delivery latency at a fixed rate. Runs on an embedded
 * PostgreSQL with {@code max_connections = 300} unless {@code --url} is given.
 *
 * <pre>{@code
 * java -cp pgnotify-benchmarks/target/pgnotify-benchmarks.jar io.pgnotify.benchmarks.ScaleOut \
 *     --instances 1,10,50,100 --seconds 5 --rate 200 --reps 3
 * }</pre>
 */
public final class ScaleOut {

    private static final String CHANNEL = "scale";

    private ScaleOut() {}

    record Result(
            double publishRate,
            long lostInRatePhase,
            double p50,
            double p99,
            double max,
            long lostInLatency,
            double publisherBackendMicros,
            double listenerBackendsMicros,
            double jvmMicros) {}

    public static void main(String[] args) throws Exception {
        Flags flags = Flags.parse(args);
        int seconds = flags.number("seconds", 5);
        int reps = flags.number("reps", 3);
        int rate = flags.number("rate", 200);
        List<Integer> sizes = flags.numbers("instances", "1,10,50,100");
        EmbeddedPostgres embedded = null;
        Server server;
        if (flags.text("url", null) == null) {
            embedded = EmbeddedPostgres.builder()
                    .setServerConfig("max_connections", "300")
                    .start();
            server = Server.of(embedded.getJdbcUrl("postgres", "postgres"), "postgres", null);
        } else {
            server = flags.server();
        }
        try {
            try (Connection c = server.connect();
                    Statement s = c.createStatement()) {
                System.out.println("server: " + scalar(s, "SELECT version()") + "; max_connections "
                        + scalar(s, "SHOW max_connections") + ", synchronous_commit "
                        + scalar(s, "SHOW synchronous_commit") + ", fsync " + scalar(s, "SHOW fsync"));
            }
            Map<Integer, List<Result>> results = new LinkedHashMap<>();
            for (int rep = 0; rep < reps; rep++) {
                String load = PublishThroughput.loadAverage();
                for (int k = 0; k < sizes.size(); k++) {
                    int n = sizes.get((k + rep) % sizes.size());
                    results.computeIfAbsent(n, x -> new ArrayList<>()).add(trial(server, n, seconds, rate));
                }
                System.out.println("repetition " + (rep + 1) + " of " + reps + " done (load average before " + load
                        + ", after " + PublishThroughput.loadAverage() + ")");
            }
            print(results, seconds, rate, reps);
        } finally {
            if (embedded != null) {
                embedded.close();
            }
        }
    }

    static Result trial(Server server, int instances, int seconds, int rate) throws Exception {
        List<Notifier> notifiers = new ArrayList<>();
        AtomicLong received = new AtomicLong();
        List<Histogram> histograms = new ArrayList<>();
        AtomicBoolean recording = new AtomicBoolean();
        try (Connection publisher = server.connect();
                PreparedStatement notify = publisher.prepareStatement("SELECT pg_notify(?, ?)")) {
            for (int i = 0; i < instances; i++) {
                Histogram histogram = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
                histograms.add(histogram);
                // One channel needs one worker at a time: two workers keep 100 notifiers in one JVM from starting
                // 6,400 threads that 100 separate instances would spread over 100 machines.
                Notifier notifier = Notifier.builder(
                                ConnectionProvider.of(server.jdbcUrl(), server.user(), server.password()))
                        .name("so" + i)
                        .maxWorkers(2)
                        .build();
                notifier.subscribe(CHANNEL, note -> {
                    long now = System.nanoTime();
                    received.incrementAndGet();
                    if (recording.get()) {
                        long sent = Long.parseLong(note.payload());
                        synchronized (histogram) {
                            histogram.recordValue(Math.max(0, now - sent));
                        }
                    }
                });
                notifier.start();
                notifiers.add(notifier);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            for (Notifier notifier : notifiers) {
                while (notifier.state() != NotifierState.LISTENING && System.nanoTime() < deadline) {
                    LockSupport.parkNanos(1_000_000);
                }
            }
            long publisherPid;
            List<Long> listenerPids = new ArrayList<>();
            try (Statement s = publisher.createStatement()) {
                publisherPid = Long.parseLong(scalar(s, "SELECT pg_backend_pid()"));
                try (ResultSet rs = s.executeQuery(
                        "SELECT pid FROM pg_stat_activity WHERE application_name = 'pgnotify-listener'")) {
                    while (rs.next()) {
                        listenerPids.add(rs.getLong(1));
                    }
                }
            }
            notify.setString(1, CHANNEL);
            // Every instance hears the channel before anything is measured.
            long sent = 1;
            send(notify);
            await(received, sent * instances, 30);

            // Phase 1: publish as fast as one connection can, 1 s warm-up.
            long start = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            long end = start + TimeUnit.SECONDS.toNanos(seconds);
            long measured = 0;
            long now;
            long[] cpuAtStart = null;
            while ((now = System.nanoTime()) < end) {
                if (cpuAtStart == null && now >= start) {
                    cpuAtStart = ProcessCpu.sample(publisherPid, listenerPids);
                }
                send(notify);
                sent++;
                if (now >= start) {
                    measured++;
                }
            }
            long[] cpuAtEnd = ProcessCpu.sample(publisherPid, listenerPids);
            double publishRate = measured / (double) seconds;
            await(received, sent * instances, 120);
            long lostInRate = sent * instances - received.get();

            // Phase 2: a fixed rate, delivery latency from just before the send to the handler.
            recording.set(true);
            long before = received.get();
            long interval = TimeUnit.SECONDS.toNanos(1) / rate;
            long count = (long) rate * seconds;
            long begin = System.nanoTime();
            for (long i = 0; i < count; i++) {
                long due = begin + i * interval;
                while ((now = System.nanoTime()) < due) {
                    LockSupport.parkNanos(due - now);
                }
                send(notify);
            }
            await(received, before + count * instances, 60);
            long lostInLatency = before + count * instances - received.get();
            recording.set(false);
            Histogram all = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
            for (Histogram histogram : histograms) {
                synchronized (histogram) {
                    all.add(histogram);
                }
            }
            return new Result(
                    publishRate,
                    lostInRate,
                    all.getValueAtPercentile(50) / 1e6,
                    all.getValueAtPercentile(99) / 1e6,
                    all.getMaxValue() / 1e6,
                    lostInLatency,
                    (cpuAtEnd[0] - cpuAtStart[0]) / 1e3 / measured,
                    (cpuAtEnd[1] - cpuAtStart[1]) / 1e3 / measured,
                    (cpuAtEnd[2] - cpuAtStart[2]) / 1e3 / measured);
        } finally {
            for (Notifier notifier : notifiers) {
                notifier.close();
            }
        }
    }

    private static void send(PreparedStatement notify) throws java.sql.SQLException {
        notify.setString(2, Long.toString(System.nanoTime()));
        notify.execute();
    }

    private static void await(AtomicLong received, long expected, int seconds) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (received.get() < expected && System.nanoTime() < deadline) {
            LockSupport.parkNanos(1_000_000);
        }
    }

    private static void print(Map<Integer, List<Result>> results, int seconds, int rate, int reps) {
        System.out.println();
        System.out.println(Spread.f(
                "%d s per phase, %d repetitions; latency phase at %d notifications/s; median [min – max]",
                seconds, reps, rate));
        System.out.println();
        System.out.println(
                "| instances N | publish rate, tx/s | µs per NOTIFY | µs per NOTIFY per extra listener (vs N=1)"
                        + " | deliveries/s (rate × N) | CPU µs per NOTIFY: publishing backend | listening backends | JVM"
                        + " | latency p50 ms | p99 ms | max ms | lost |");
        System.out.println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        double base = results.containsKey(1)
                ? 1e6 / spread(results.get(1), Result::publishRate).median()
                : Double.NaN;
        for (var entry : results.entrySet()) {
            int n = entry.getKey();
            List<Result> list = entry.getValue();
            Spread publish = spread(list, Result::publishRate);
            double micros = 1e6 / publish.median();
            System.out.println(Spread.f(
                    "| %d | %s | %.1f | %s | %,.0f | %s | %s | %s | %s | %s | %s | %d |",
                    n,
                    publish.format("%,.0f"),
                    micros,
                    n > 1 && !Double.isNaN(base) ? Spread.f("%.2f", (micros - base) / (n - 1)) : "—",
                    publish.median() * n,
                    spread(list, Result::publisherBackendMicros).format("%.1f"),
                    spread(list, Result::listenerBackendsMicros).format("%.1f"),
                    spread(list, Result::jvmMicros).format("%.1f"),
                    spread(list, Result::p50).format("%.2f"),
                    spread(list, Result::p99).format("%.2f"),
                    spread(list, Result::max).format("%.1f"),
                    list.stream()
                            .mapToLong(r -> r.lostInRatePhase() + r.lostInLatency())
                            .sum()));
        }
    }

    private static Spread spread(List<Result> results, java.util.function.ToDoubleFunction<Result> value) {
        Spread spread = new Spread();
        results.forEach(r -> spread.add(value.applyAsDouble(r)));
        return spread;
    }

    private static @Nullable String scalar(Statement statement, String sql) throws java.sql.SQLException {
        try (ResultSet rs = statement.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
