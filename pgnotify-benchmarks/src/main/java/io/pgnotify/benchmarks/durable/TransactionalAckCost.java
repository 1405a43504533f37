package io.pgnotify.benchmarks.durable;

import io.pgnotify.core.ConnectionProvider;
import io.pgnotify.core.Notifier;
import io.pgnotify.core.durable.DurableChannels;
import io.pgnotify.core.durable.DurablePublisher;
import io.pgnotify.core.durable.DurableSchema;
import io.pgnotify.core.durable.StartFrom;
import io.pgnotify.core.durable.TransactionalDurableHandler;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What acknowledging in the handler's transaction costs: a group drains messages already published, with the same
 * handler work (one INSERT) done four ways, in alternating rounds of one run:
 *
 * <ul>
 *   <li>{@code plain}: the INSERT autocommits, the position is written once per batch;
 *   <li>{@code transactional}: INSERT and acknowledgement in one transaction per message;
 *   <li>{@code transactional, 4 partitions}: the same over four partitions (keys spread), four consumer threads;
 *   <li>{@code transactional, synchronous_commit=off}: one partition, the handler's session not waiting for the WAL
 *       flush at commit (a server crash may lose its last commits, work and acknowledgement together, so those
 *       messages are delivered again);
 *   <li>{@code transactional batch}: a {@code TransactionalBatchDurableHandler}, the INSERTs of a batch (up to 1,000)
 *       and its acknowledgement in one transaction;
 *   <li>{@code no-op}: no work at all, for scale.
 * </ul>
 *
 * <pre>
 * java -cp … io.pgnotify.benchmarks.durable.TransactionalAckCost [--url jdbc:postgresql://127.0.0.1:5432/postgres]
 *     [--user postgres] [--password …] [--messages 20000] [--rounds 3]
 * </pre>
 */
public final class TransactionalAckCost {

    private enum Mode {
        NO_OP("no-op"),
        PLAIN("plain, INSERT autocommitted"),
        TRANSACTIONAL("transactional, INSERT + ack per transaction"),
        TRANSACTIONAL_4("transactional, 4 partitions"),
        TRANSACTIONAL_ASYNC("transactional, synchronous_commit=off"),
        TRANSACTIONAL_BATCH("transactional batch, one transaction per batch");

        final String label;

        Mode(String label) {
            this.label = label;
        }
    }

    private TransactionalAckCost() {}

    public static void main(String[] args) throws Exception {
        String url = option(args, "--url", "jdbc:postgresql://127.0.0.1:5432/postgres");
        String user = option(args, "--user", "postgres");
        String password = option(args, "--password", "");
        int messages = Integer.parseInt(option(args, "--messages", "20000"));
        int rounds = Integer.parseInt(option(args, "--rounds", "3"));
        ConnectionProvider provider = ConnectionProvider.of(url, user, password.isEmpty() ? null : password);
        try (Connection c = provider.getConnection();
                Statement s = c.createStatement()) {
            DurableSchema.install(c);
            s.execute("CREATE TABLE IF NOT EXISTS durable_bench_work (id bigint, payload text)");
        }
        System.out.println("# transactional acknowledgement cost on " + url + " ("
                + Runtime.getRuntime().availableProcessors() + " CPUs), " + messages + " messages per drain, "
                + rounds + " rounds");
        double[][] rates = new double[Mode.values().length][rounds];
        for (int round = 0; round < rounds; round++) {
            for (Mode mode : Mode.values()) {
                rates[mode.ordinal()][round] = drain(provider, mode, messages);
            }
        }
        double plain = median(rates[Mode.PLAIN.ordinal()]);
        for (Mode mode : Mode.values()) {
            double[] r = rates[mode.ordinal()].clone();
            Arrays.sort(r);
            System.out.printf(
                    "%-45s median %,8.0f msg/s (min %,.0f, max %,.0f), %.2f× plain%n",
                    mode.label, median(r), r[0], r[r.length - 1], median(r) / plain);
        }
        try (Connection c = provider.getConnection();
                Statement s = c.createStatement()) {
            s.execute("TRUNCATE durable_bench_work");
        }
    }

    /** Publishes {@code messages} first, then measures from the consumers' start until the group has drained them. */
    private static double drain(ConnectionProvider provider, Mode mode, int messages) throws Exception {
        String channel = "bench-ack-" + UUID.randomUUID();
        try (Connection c = provider.getConnection()) {
            c.setAutoCommit(false);
            for (int i = 0; i < messages; i += 1000) {
                List<String> payloads = new ArrayList<>();
                for (int j = i; j < Math.min(messages, i + 1000); j++) {
                    payloads.add("{\"order\":" + j + "}");
                }
                // Keys spread the messages over partitions; a single partition ignores them.
                for (int j = 0; j < payloads.size(); j++) {
                    DurablePublisher.publish(c, channel, "k" + (j % 16), payloads.get(j));
                }
                c.commit();
            }
        }
        AtomicLong handled = new AtomicLong();
        try (PerThread connections = new PerThread(provider, mode == Mode.PLAIN, mode == Mode.TRANSACTIONAL_ASYNC);
                Notifier notifier = Notifier.builder(provider).build()) {
            notifier.start();
            DurableChannels durable = DurableChannels.builder(notifier, provider)
                    .startFrom(StartFrom.EARLIEST)
                    .batchSize(1000)
                    .build();
            switch (mode) {
                case TRANSACTIONAL_BATCH ->
                    durable.subscribeBatch(channel, "g", 1, (batch, acknowledgement) -> {
                        Connection c = connections.get();
                        try (PreparedStatement insert =
                                c.prepareStatement("INSERT INTO durable_bench_work (id, payload) VALUES (?, ?)")) {
                            for (var m : batch) {
                                insert.setLong(1, m.id());
                                insert.setString(2, m.payload());
                                insert.addBatch();
                            }
                            insert.executeBatch();
                            acknowledgement.acknowledgeOn(c);
                            c.commit();
                        } catch (SQLException | RuntimeException e) {
                            c.rollback();
                            throw e;
                        }
                        handled.addAndGet(batch.size());
                    });
                case NO_OP -> durable.subscribe(channel, "g", m -> handled.incrementAndGet());
                case PLAIN ->
                    durable.subscribe(channel, "g", m -> {
                        try (PreparedStatement insert = connections
                                .get()
                                .prepareStatement("INSERT INTO durable_bench_work (id, payload) VALUES (?, ?)")) {
                            insert.setLong(1, m.id());
                            insert.setString(2, m.payload());
                            insert.executeUpdate();
                        }
                        handled.incrementAndGet();
                    });
                case TRANSACTIONAL, TRANSACTIONAL_ASYNC ->
                    durable.subscribe(channel, "g", transactional(connections, handled));
                case TRANSACTIONAL_4 -> durable.subscribe(channel, "g", 4, transactional(connections, handled));
            }
            long start = System.nanoTime();
            durable.start();
            long deadline = start + Duration.ofMinutes(5).toNanos();
            while (handled.get() < messages && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            durable.close();
            if (handled.get() < messages) {
                throw new IllegalStateException(
                        mode.label + ": only " + handled.get() + " of " + messages + " handled within 5 minutes");
            }
            return messages / seconds;
        }
    }

    /** One transaction per message: the INSERT and the acknowledgement commit together. */
    private static TransactionalDurableHandler transactional(PerThread connections, AtomicLong handled) {
        return (m, acknowledgement) -> {
            Connection c = connections.get();
            try (PreparedStatement insert =
                    c.prepareStatement("INSERT INTO durable_bench_work (id, payload) VALUES (?, ?)")) {
                insert.setLong(1, m.id());
                insert.setString(2, m.payload());
                insert.executeUpdate();
                acknowledgement.acknowledgeOn(c);
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
            handled.incrementAndGet();
        };
    }

    /** A connection per consumer thread, as a pool would lend one per message; closed after the drain. */
    private static final class PerThread implements AutoCloseable {
        private final List<Connection> opened = new java.util.concurrent.CopyOnWriteArrayList<>();
        private final ThreadLocal<Connection> local;

        PerThread(ConnectionProvider provider, boolean autoCommit, boolean asynchronousCommit) {
            local = ThreadLocal.withInitial(() -> {
                try {
                    Connection c = provider.getConnection();
                    if (asynchronousCommit) {
                        try (Statement s = c.createStatement()) {
                            s.execute("SET synchronous_commit = off");
                        }
                    }
                    c.setAutoCommit(autoCommit);
                    opened.add(c);
                    return c;
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
        }

        Connection get() {
            return local.get();
        }

        @Override
        public void close() throws SQLException {
            for (Connection c : opened) {
                c.close();
            }
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
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
