package io.pgnotify.testing;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * A steady publisher of sequence-numbered notifications on a {@link DeliveryLedger}'s channels, round robin, through a
 * connection of its own (never the notifier's), reopened after a failure. Each send is one transaction.
 */
public final class Traffic implements AutoCloseable {

    /** Opens the publisher's connection. */
    @FunctionalInterface
    public interface Connector {
        Connection connect() throws SQLException;
    }

    private final DeliveryLedger ledger;
    private final Connector connector;
    private final long intervalNanos;
    private final Thread thread;
    private final AtomicLong committed = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private volatile boolean running = true;
    private @Nullable Connection connection;

    /**
     * @param perSecond the rate in all, across channels
     */
    public Traffic(DeliveryLedger ledger, Connector connector, int perSecond) {
        this.ledger = ledger;
        this.connector = connector;
        this.intervalNanos = TimeUnit.SECONDS.toNanos(1) / perSecond;
        this.thread = new Thread(this::run, "reliability-traffic");
        this.thread.setDaemon(true);
    }

    public Traffic start() {
        thread.start();
        return this;
    }

    public long committed() {
        return committed.get();
    }

    public long failed() {
        return failed.get();
    }

    private void run() {
        long next = System.nanoTime();
        int channel = 0;
        while (running) {
            long seq = ledger.beginSend(channel);
            long window = ledger.window();
            boolean ok = send(ledger.channel(channel), Long.toString(seq));
            ledger.endSend(channel, seq, window, ok);
            (ok ? committed : failed).incrementAndGet();
            channel = (channel + 1) % ledger.channels();
            next += intervalNanos;
            long wait = next - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait); // pacing the publisher, not waiting for a result
            } else if (wait < -TimeUnit.SECONDS.toNanos(1)) {
                next = System.nanoTime(); // fell behind (server down): do not burst to catch up
            }
        }
        close(connection);
    }

    private boolean send(String channel, String payload) {
        try {
            Connection c = connection;
            if (c == null) {
                c = connector.connect();
                connection = c;
            }
            try (PreparedStatement statement = c.prepareStatement("SELECT pg_notify(?, ?)")) {
                statement.setString(1, channel);
                statement.setString(2, payload);
                statement.execute();
            }
            return true;
        } catch (SQLException | RuntimeException e) {
            close(connection);
            connection = null;
            // The server is away: retry at the pace of the traffic, after a short pause.
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
            return false;
        }
    }

    private static void close(@Nullable Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // already broken
            }
        }
    }

    /** Stops sending and waits for the last send to end. */
    @Override
    public void close() {
        running = false;
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            throw new IllegalStateException("The traffic thread did not stop");
        }
    }
}
