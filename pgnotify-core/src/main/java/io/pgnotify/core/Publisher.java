package io.pgnotify.core;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Collection;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Notifier}'s publishing side. With a pooled provider it borrows a connection per call; otherwise it keeps
 * one connection open and reopens it after a failure, never opening one per notification. The kept connection has a
 * network timeout and is validated before reuse once it has been idle, so a silent network fails a publish instead of
 * blocking it (and everything waiting for this publisher's lock).
 */
final class Publisher implements AutoCloseable {

    private final ConnectionProvider provider;
    private final int maxPayloadSize;
    private final int networkTimeoutMillis;
    private final ReentrantLock lock = new ReentrantLock();

    /** A kept connection idle longer than this is validated before it is used again. */
    private static final long VALIDATE_AFTER_IDLE_NANOS = TimeUnit.SECONDS.toNanos(1);

    // Written under lock; only for a provider that does not pool. Volatile so that close() can abort it unlocked.
    private volatile @Nullable Connection kept;
    private long keptLastUsed;

    private volatile boolean closed;

    Publisher(ConnectionProvider provider, int maxPayloadSize, java.time.Duration networkTimeout) {
        this.provider = provider;
        this.maxPayloadSize = maxPayloadSize;
        this.networkTimeoutMillis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, networkTimeout.toMillis()));
    }

    void publish(String channel, String payload) throws SQLException {
        run(connection -> NotificationPublisher.publish(connection, channel, payload, maxPayloadSize));
    }

    void publishAll(String channel, Collection<String> payloads) throws SQLException {
        run(connection -> NotificationPublisher.publishAll(connection, channel, payloads, maxPayloadSize));
    }

    private void run(Action action) throws SQLException {
        if (closed) {
            throw new IllegalStateException("The notifier is shut down; it publishes no more");
        }
        if (provider.isPooled()) {
            try (Connection connection = provider.getConnection()) {
                if (!connection.getAutoCommit()) {
                    connection.setAutoCommit(true);
                }
                action.run(connection);
            }
            return;
        }
        lock.lock();
        try {
            Connection connection = kept;
            if (connection != null && !usable(connection)) {
                closeKept();
                connection = null;
            }
            if (connection == null) {
                connection = provider.getConnection();
                try {
                    connection.setNetworkTimeout(Runnable::run, networkTimeoutMillis);
                    connection.setAutoCommit(true);
                } catch (SQLException | RuntimeException e) {
                    connection.close();
                    throw e;
                }
                kept = connection;
            }
            try {
                action.run(connection);
                keptLastUsed = System.nanoTime();
            } catch (SQLException e) {
                closeKept();
                throw e;
            }
        } finally {
            lock.unlock();
        }
    }

    private boolean usable(Connection connection) {
        try {
            if (connection.isClosed()) {
                return false;
            }
            if (System.nanoTime() - keptLastUsed < VALIDATE_AFTER_IDLE_NANOS) {
                return true;
            }
            return connection.isValid(Math.max(1, networkTimeoutMillis / 1000));
        } catch (SQLException e) {
            return false;
        }
    }

    @Override
    public void close() {
        close(Long.MAX_VALUE);
    }

    /**
     * Publishes no more. Waits until the deadline for a publish underway; past it, aborts the kept connection instead
     * of waiting for the publish holding it.
     *
     * @return whether it closed cleanly
     */
    boolean close(long deadlineNanos) {
        closed = true;
        return release(deadlineNanos);
    }

    /** Closes the kept connection, if any, as {@link #close(long)} does; the next publish opens another. */
    boolean release(long deadlineNanos) {
        boolean locked;
        try {
            locked = deadlineNanos == Long.MAX_VALUE
                    ? lockAnyway()
                    : lock.tryLock(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            locked = false;
        }
        if (!locked) {
            Connection connection = kept;
            if (connection != null) {
                try {
                    connection.abort(Runnable::run);
                } catch (SQLException | RuntimeException ignored) {
                    // aborting is all that is left to do
                }
            }
            return false;
        }
        try {
            closeKept();
            return true;
        } finally {
            lock.unlock();
        }
    }

    private boolean lockAnyway() {
        lock.lock();
        return true;
    }

    private void closeKept() {
        Connection connection = kept;
        kept = null;
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // it failed already; nothing more to release
            }
        }
    }

    @FunctionalInterface
    private interface Action {
        void run(Connection connection) throws SQLException;
    }
}
