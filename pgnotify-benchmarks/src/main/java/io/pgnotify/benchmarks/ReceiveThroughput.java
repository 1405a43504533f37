package io.pgnotify.benchmarks;

import io.pgnotify.core.ConnectionProvider;
import io.pgnotify.core.Notifier;
import io.pgnotify.core.NotifierState;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * Receive throughput: how many notifications per second a listener takes in, pgnotify's {@link Notifier} beside a plain
 * pgjdbc drain loop, over 1–100 channels and 16 B–7.9 KB payloads.
 *
 * <p>The publisher sends {@code unnest} batches (one statement, one commit each) as fast as it can, but never lets more
 * than {@code --window} notifications be unreceived: the server queue stays flat by construction, and when the
 * publisher has to wait for the window the listener is what limits the rate. The table says how often that happened.
 * After each trial the publisher stops and every notification must arrive (zero loss is checked, not assumed).
 *
 * <pre>{@code
 * java -cp pgnotify-benchmarks/target/pgnotify-benchmarks.jar io.pgnotify.benchmarks.ReceiveThroughput \
 *     --channels 1,10,100 --payloads 16,1024,7900 --seconds 5 --reps 3
 * }</pre>
 */
public final class ReceiveThroughput {

    private static final String PUBLISH_SQL = "SELECT pg_notify(c, p) FROM unnest(?::text[], ?::text[]) AS t(c, p)";
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static int trials;

    private ReceiveThroughput() {}

    /** A listening client under test. */
    interface Listener extends AutoCloseable {
        long received();

        /** CPU nanoseconds used so far by the threads that receive and handle. */
        long cpuNanos();

        @Override
        void close() throws Exception;
    }

    record Result(double receivedPerSecond, double throttled, double maxQueueUsage, long lost, double cpuMicros) {}

    public static void main(String[] args) throws Exception {
        Flags flags = Flags.parse(args);
        Server server = flags.server();
        int seconds = flags.number("seconds", 5);
        int reps = flags.number("reps", 3);
        int window = flags.number("window", 20_000);
        int batch = flags.number("batch", 500);
        List<String> contenders = List.of("pgnotify Notifier", "pgjdbc getNotifications(500) loop");
        Map<String, Map<String, List<Result>>> results = new LinkedHashMap<>();
        for (int rep = 0; rep < reps; rep++) {
            String load = PublishThroughput.loadAverage();
            for (int channels : flags.numbers("channels", "1,10,100")) {
                for (int payload : flags.numbers("payloads", "16,1024,7900")) {
                    String config = channels + "|" + payload;
                    for (int k = 0; k < contenders.size(); k++) {
                        String contender = contenders.get((k + rep) % contenders.size());
                        Result result = trial(server, contender, channels, payload, seconds, window, batch);
                        results.computeIfAbsent(config, x -> new LinkedHashMap<>())
                                .computeIfAbsent(contender, x -> new ArrayList<>())
                                .add(result);
                    }
                }
            }
            System.out.println("repetition " + (rep + 1) + " of " + reps + " done (load average before " + load
                    + ", after " + PublishThroughput.loadAverage() + ")");
        }
        System.out.println();
        System.out.println(Spread.f(
                "%d s measured per trial after 1 s warm-up, %d repetitions, window %d, unnest batches of %d",
                seconds, reps, window, batch));
        System.out.println();
        System.out.println("| channels | payload | listener | received/s | publisher held by window | max queue usage"
                + " | lost | listener CPU µs/notification | pgnotify / pgjdbc |");
        System.out.println("|---:|---:|---|---:|---:|---:|---:|---:|---:|");
        for (var entry : results.entrySet()) {
            String[] parts = entry.getKey().split("\\|");
            double reference = spread(entry.getValue().get(contenders.get(1)), Result::receivedPerSecond)
                    .median();
            for (String contender : contenders) {
                List<Result> list = entry.getValue().get(contender);
                Spread rate = spread(list, Result::receivedPerSecond);
                System.out.println(Spread.f(
                        "| %s | %s B | %s | %s | %s | %s | %d | %s | %s |",
                        parts[0],
                        parts[1],
                        contender,
                        rate.format("%,.0f"),
                        spread(list, r -> 100 * r.throttled()).format("%.0f%%"),
                        Spread.f(
                                "%.5f%%",
                                100 * spread(list, Result::maxQueueUsage).max()),
                        list.stream().mapToLong(Result::lost).sum(),
                        spread(list, Result::cpuMicros).format("%.1f"),
                        contender.equals(contenders.get(0)) ? Spread.f("%.2f×", rate.median() / reference) : ""));
            }
        }
    }

    private static Spread spread(List<Result> results, java.util.function.ToDoubleFunction<Result> value) {
        Spread spread = new Spread();
        results.forEach(r -> spread.add(value.applyAsDouble(r)));
        return spread;
    }

    static Result trial(
            Server server, String contender, int channelCount, int payloadBytes, int seconds, int window, int batch)
            throws Exception {
        int trial = ++trials;
        String[] channels = new String[channelCount];
        for (int i = 0; i < channelCount; i++) {
            channels[i] = "rt" + trial + "_" + i;
        }
        String[] batchChannels = new String[batch];
        String[] batchPayloads = new String[batch];
        String pad = "x".repeat(payloadBytes);
        for (int i = 0; i < batch; i++) {
            batchChannels[i] = channels[i % channelCount];
            String number = Integer.toString(i);
            // Distinct within a batch: PostgreSQL delivers identical (channel, payload) pairs of a transaction once.
            batchPayloads[i] = number + pad.substring(number.length());
        }
        try (Listener listener = contender.startsWith("pgnotify")
                        ? pgnotify(server, channels, trial)
                        : plainLoop(server, channels);
                Connection publisher = server.connect();
                Connection monitor = server.connect();
                Statement usage = monitor.createStatement();
                PreparedStatement publish = publisher.prepareStatement(PUBLISH_SQL)) {
            Array channelArray = publisher.createArrayOf("text", batchChannels);
            Array payloadArray = publisher.createArrayOf("text", batchPayloads);
            publish.setArray(1, channelArray);
            publish.setArray(2, payloadArray);
            // Proves the listener hears every channel before anything is measured.
            long sent = 0;
            publish.execute();
            sent += batch;
            awaitReceived(listener, sent, 30);

            long start = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            long end = start + TimeUnit.SECONDS.toNanos(seconds);
            long receivedAtStart = -1;
            long cpuAtStart = 0;
            long held = 0;
            double maxUsage = 0;
            long nextSample = System.nanoTime();
            long now;
            while ((now = System.nanoTime()) < end) {
                if (receivedAtStart < 0 && now >= start) {
                    receivedAtStart = listener.received();
                    cpuAtStart = listener.cpuNanos();
                }
                if (now >= nextSample) {
                    maxUsage = Math.max(maxUsage, queueUsage(usage));
                    nextSample = now + TimeUnit.MILLISECONDS.toNanos(250);
                }
                if (sent - listener.received() > window) {
                    LockSupport.parkNanos(100_000);
                    if (now >= start) {
                        held += System.nanoTime() - now;
                    }
                    continue;
                }
                publish.execute();
                sent += batch;
            }
            long receivedAtEnd = listener.received();
            long cpuAtEnd = listener.cpuNanos();
            maxUsage = Math.max(maxUsage, queueUsage(usage));
            awaitReceived(listener, sent, 120);
            long measured = receivedAtEnd - receivedAtStart;
            return new Result(
                    measured / (double) seconds,
                    held / (double) TimeUnit.SECONDS.toNanos(seconds),
                    maxUsage,
                    sent - listener.received(),
                    (cpuAtEnd - cpuAtStart) / 1000.0 / Math.max(1, measured));
        }
    }

    private static void awaitReceived(Listener listener, long expected, int seconds) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (listener.received() < expected && System.nanoTime() < deadline) {
            LockSupport.parkNanos(1_000_000);
        }
    }

    private static double queueUsage(Statement statement) throws SQLException {
        try (ResultSet rs = statement.executeQuery("SELECT pg_notification_queue_usage()")) {
            rs.next();
            return rs.getDouble(1);
        }
    }

    static Listener pgnotify(Server server, String[] channels, int trial) {
        String name = "rt" + trial;
        AtomicLong received = new AtomicLong();
        Notifier notifier = Notifier.builder(ConnectionProvider.of(server.jdbcUrl(), server.user(), server.password()))
                .name(name)
                .build();
        for (String channel : channels) {
            notifier.subscribe(channel, n -> received.incrementAndGet());
        }
        notifier.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (notifier.state() != NotifierState.LISTENING && System.nanoTime() < deadline) {
            LockSupport.parkNanos(1_000_000);
        }
        String prefix = "pgnotify-" + name + "-";
        return new Listener() {
            @Override
            public long received() {
                return received.get();
            }

            @Override
            public long cpuNanos() {
                return cpuOfThreads(prefix);
            }

            @Override
            public void close() {
                notifier.close();
            }
        };
    }

    static Listener plainLoop(Server server, String[] channels) throws SQLException {
        Connection connection = server.connect();
        try (Statement statement = connection.createStatement()) {
            for (String channel : channels) {
                statement.execute("LISTEN \"" + channel + "\"");
            }
        }
        PGConnection pg = connection.unwrap(PGConnection.class);
        AtomicLong received = new AtomicLong();
        Thread thread = new Thread(
                () -> {
                    try {
                        while (!Thread.currentThread().isInterrupted()) {
                            PGNotification[] batch = pg.getNotifications(500);
                            if (batch != null && batch.length > 0) {
                                received.addAndGet(batch.length);
                            }
                        }
                    } catch (SQLException e) {
                        // closed at the end of the trial
                    }
                },
                "plain-loop");
        thread.setDaemon(true);
        thread.start();
        return new Listener() {
            @Override
            public long received() {
                return received.get();
            }

            @Override
            public long cpuNanos() {
                return Math.max(0, THREADS.getThreadCpuTime(thread.getId()));
            }

            @Override
            public void close() throws Exception {
                thread.interrupt();
                connection.close();
                thread.join(5_000);
            }
        };
    }

    static long cpuOfThreads(String prefix) {
        long total = 0;
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (thread.getName().startsWith(prefix)) {
                total += Math.max(0, THREADS.getThreadCpuTime(thread.getId()));
            }
        }
        return total;
    }
}
