package io.pgnotify.benchmarks.durable;

import io.pgnotify.core.ConnectionProvider;
import io.pgnotify.core.Notifier;
import io.pgnotify.core.durable.DurableChannels;
import io.pgnotify.core.durable.DurablePublisher;
import io.pgnotify.core.durable.DurableSchema;
import io.pgnotify.core.durable.StartFrom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Durable channels, measured on one server: idle wake-up (commit to handler entry), end-to-end throughput for one and
 * two groups with a no-op handler and batched publishing, and single-message publish against a plain INSERT of the
 * same row, side by side.
 *
 * <pre>
 * java -cp … io.pgnotify.benchmarks.durable.DurableBenchmark [--url jdbc:postgresql://127.0.0.1:5432/postgres]
 *     [--user postgres] [--password …] [--seconds 5] [--messages 200000]
 * </pre>
 *
 * The database must allow creating schema {@code pgnotify} and table {@code durable_bench_plain}.
 */
public final class DurableBenchmark {

    private DurableBenchmark() {}

    public static void main(String[] args) throws Exception {
        String url = option(args, "--url", "jdbc:postgresql://127.0.0.1:5432/postgres");
        String user = option(args, "--user", "postgres");
        String password = option(args, "--password", "");
        int seconds = Integer.parseInt(option(args, "--seconds", "5"));
        int messages = Integer.parseInt(option(args, "--messages", "200000"));
        ConnectionProvider provider = ConnectionProvider.of(url, user, password.isEmpty() ? null : password);
        try (Connection c = provider.getConnection()) {
            DurableSchema.install(c);
        }
        System.out.println("# durable channels benchmark on " + url + " ("
                + Runtime.getRuntime().availableProcessors() + " CPUs)");
        wakeUp(provider, 300);
        throughput(provider, messages, 1);
        throughput(provider, messages, 2);
        publishVersusInsert(provider, seconds);
    }

    /** Publishes one message at a time with the consumer idle in between; commit to handler entry. */
    static void wakeUp(ConnectionProvider provider, int samples) throws Exception {
        String channel = "bench-wake-" + UUID.randomUUID();
        long[] latencies = new long[samples];
        AtomicLong committedAt = new AtomicLong();
        AtomicLong handled = new AtomicLong();
        Semaphore arrived = new Semaphore(0);
        try (Notifier notifier = Notifier.builder(provider).build()) {
            notifier.start();
            DurableChannels durable = DurableChannels.builder(notifier, provider)
                    .pollInterval(Duration.ofSeconds(10))
                    .startFrom(StartFrom.EARLIEST)
                    .build();
            durable.subscribe(channel, "g", m -> {
                latencies[(int) handled.get()] = System.nanoTime() - committedAt.get();
                handled.incrementAndGet();
                arrived.release();
            });
            durable.start();
            try (Connection c = provider.getConnection()) {
                c.setAutoCommit(false);
                for (int i = 0; i < samples; i++) {
                    DurablePublisher.publish(c, channel, null, Integer.toString(i));
                    committedAt.set(System.nanoTime());
                    c.commit();
                    if (!arrived.tryAcquire(5, TimeUnit.SECONDS)) {
                        throw new IllegalStateException("message " + i + " not handled within 5 s");
                    }
                    Thread.sleep(10); // idle between samples: the consumer is back waiting for the doorbell
                }
            }
            durable.close();
        }
        Arrays.sort(latencies);
        System.out.printf(
                "wake-up, commit to handler entry, %d samples: p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms%n",
                samples,
                latencies[samples / 2] / 1e6,
                latencies[samples * 9 / 10] / 1e6,
                latencies[samples * 99 / 100] / 1e6,
                latencies[samples - 1] / 1e6);
    }

    /** Publishes {@code messages} in batches of 1,000 from two threads while the groups consume; end to end. */
    static void throughput(ConnectionProvider provider, int messages, int groups) throws Exception {
        String channel = "bench-rate-" + UUID.randomUUID();
        AtomicLongArray handled = new AtomicLongArray(groups);
        try (Notifier notifier = Notifier.builder(provider).build()) {
            notifier.start();
            DurableChannels durable = DurableChannels.builder(notifier, provider)
                    .batchSize(1000)
                    .startFrom(StartFrom.EARLIEST)
                    .build();
            for (int g = 0; g < groups; g++) {
                int group = g;
                durable.subscribe(channel, "g" + g, m -> handled.incrementAndGet(group));
            }
            durable.start();
            List<String> batch = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                batch.add("{\"order\":" + i + ",\"amount\":\"12.50\"}");
            }
            long start = System.nanoTime();
            List<Thread> publishers = new ArrayList<>();
            for (int p = 0; p < 2; p++) {
                Thread t = new Thread(() -> {
                    try (Connection c = provider.getConnection()) {
                        for (int i = 0; i < messages / 2000; i++) {
                            DurablePublisher.publishAll(c, channel, batch);
                        }
                    } catch (SQLException e) {
                        throw new IllegalStateException(e);
                    }
                });
                t.start();
                publishers.add(t);
            }
            for (Thread t : publishers) {
                t.join();
            }
            double published = (System.nanoTime() - start) / 1e9;
            long expected = (messages / 2000) * 2000L;
            long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            for (int g = 0; g < groups; g++) {
                while (handled.get(g) < expected && System.nanoTime() < deadline) {
                    Thread.sleep(1);
                }
            }
            double total = (System.nanoTime() - start) / 1e9;
            durable.close();
            System.out.printf(
                    "throughput, %d group(s), %,d messages in batches of 1,000 from 2 publishers: published in %.2f s"
                            + " (%,.0f/s), every group done after %.2f s: %,.0f messages/s per group%n",
                    groups, expected, published, expected / published, total, expected / total);
        }
    }

    /** Single-message transactions, alternating 1-second rounds of publish_durable and a plain INSERT. */
    static void publishVersusInsert(ConnectionProvider provider, int seconds) throws Exception {
        try (Connection c = provider.getConnection();
                Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS durable_bench_plain (id bigint GENERATED ALWAYS AS IDENTITY"
                    + " PRIMARY KEY, channel text NOT NULL, key text, payload text NOT NULL,"
                    + " published_at timestamptz NOT NULL DEFAULT clock_timestamp())");
            s.execute("CREATE INDEX IF NOT EXISTS durable_bench_plain_channel_id ON durable_bench_plain (channel, id)");
        }
        String channel = "bench-publish-" + UUID.randomUUID();
        String payload = "{\"order\":42,\"amount\":\"12.50\"}";
        long durableCount = 0;
        long plainCount = 0;
        long durableNanos = 0;
        long plainNanos = 0;
        try (Connection c = provider.getConnection();
                PreparedStatement plain = c.prepareStatement(
                        "INSERT INTO durable_bench_plain (channel, key, payload) VALUES (?, ?, ?)")) {
            for (int round = 0; round < seconds * 2; round++) {
                boolean durableRound = round % 2 == 0;
                long start = System.nanoTime();
                long end = start + Duration.ofMillis(1000).toNanos();
                long count = 0;
                while (System.nanoTime() < end) {
                    if (durableRound) {
                        DurablePublisher.publish(c, channel, null, payload);
                    } else {
                        plain.setString(1, channel);
                        plain.setString(2, null);
                        plain.setString(3, payload);
                        plain.executeUpdate();
                    }
                    count++;
                }
                long elapsed = System.nanoTime() - start;
                if (durableRound) {
                    durableCount += count;
                    durableNanos += elapsed;
                } else {
                    plainCount += count;
                    plainNanos += elapsed;
                }
            }
        }
        double durableRate = durableCount / (durableNanos / 1e9);
        double plainRate = plainCount / (plainNanos / 1e9);
        System.out.printf(
                "single-message transactions, 1 connection, alternating 1 s rounds for %d s: publish_durable %,.0f/s,"
                        + " plain INSERT %,.0f/s, ratio %.2f%n",
                seconds * 2, durableRate, plainRate, durableRate / plainRate);
    }

    private static String option(String[] args, String name, String fallback) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return fallback;
    }
}
