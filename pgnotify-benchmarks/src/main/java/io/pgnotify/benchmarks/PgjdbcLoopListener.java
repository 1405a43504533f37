package io.pgnotify.benchmarks;

import java.lang.reflect.Field;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * The loop most applications write: {@code getNotifications(500)} on a dedicated thread and connection, latency taken
 * when the call returns. With {@code promptDelivery} the driver's 1 ms socket peek is disabled first, the way
 * pgnotify-core's {@code PromptDelivery} does it (docs/benchmarks/latency-2026-11-27-analysis.md, "Why the plain loop is slow").
 */
final class PgjdbcLoopListener implements Listener {

    private final Latencies latencies;
    private final Server server;
    private final String channel;
    private final boolean promptDelivery;
    private final AtomicLong calls = new AtomicLong();
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong largestBatch = new AtomicLong();
    private volatile boolean running = true;
    private volatile Connection connection; // used by the loop thread only, closed by close() after it ends
    private final Thread thread;

    PgjdbcLoopListener(Server server, String channel, boolean promptDelivery) {
        this.server = server;
        this.channel = channel;
        this.promptDelivery = promptDelivery;
        this.latencies = new Latencies(
                promptDelivery ? "pgjdbc loop, peek disabled (reference)" : "pgjdbc getNotifications(500) loop");
        this.thread = new Thread(this::loop, promptDelivery ? "bench-pgjdbc-prompt" : "bench-pgjdbc-naive");
        this.thread.setDaemon(true);
    }

    @Override
    public void start() throws SQLException {
        Connection c = server.connect();
        try (Statement statement = c.createStatement()) {
            statement.execute("LISTEN \"" + channel.replace("\"", "\"\"") + "\"");
        }
        if (promptDelivery) {
            disablePeek(c.unwrap(PGConnection.class));
        }
        connection = c;
        thread.start();
    }

    private void loop() {
        try {
            PGConnection pg = connection.unwrap(PGConnection.class);
            while (running) {
                PGNotification[] batch = pg.getNotifications(500);
                long now = System.nanoTime();
                if (batch == null || batch.length == 0) {
                    continue;
                }
                calls.incrementAndGet();
                delivered.addAndGet(batch.length);
                largestBatch.accumulateAndGet(batch.length, Math::max);
                for (PGNotification n : batch) {
                    if (channel.equals(n.getName())) {
                        latencies.record(n.getParameter(), now);
                    }
                }
            }
        } catch (SQLException e) {
            if (running) {
                System.err.println(latencies.listener() + " failed: " + e);
            }
        }
    }

    @Override
    public List<Latencies> series() {
        return List.of(latencies);
    }

    /** Notifications per non-empty call since the last reset. */
    @Override
    public String note() {
        long n = calls.getAndSet(0);
        long d = delivered.getAndSet(0);
        long max = largestBatch.getAndSet(0);
        return n == 0
                ? ""
                : String.format(
                        "%s: %.2f notifications per non-empty call (max %d)",
                        latencies.listener(), (double) d / n, max);
    }

    @Override
    public void close() {
        running = false;
        try {
            thread.join(TimeUnit.SECONDS.toMillis(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Connection c = connection;
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // closing at exit
            }
        }
    }

    /** Same as pgnotify-core's PromptDelivery, which is package-private there; fails rather than fall back. */
    private static void disablePeek(PGConnection connection) {
        try {
            Object executor =
                    connection.getClass().getMethod("getQueryExecutor").invoke(connection);
            Object stream = field(executor.getClass(), "pgStream").get(executor);
            field(stream.getClass(), "nextStreamAvailableCheckTime").setLong(stream, Long.MAX_VALUE);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("This pgjdbc version does not allow disabling the peek", e);
        }
    }

    private static Field field(Class<?> type, String name) throws NoSuchFieldException {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            try {
                Field field = c.getDeclaredField(name);
                field.setAccessible(true);
                return field;
            } catch (NoSuchFieldException ignored) {
                // look in the superclass
            }
        }
        throw new NoSuchFieldException(type.getName() + "." + name);
    }
}
