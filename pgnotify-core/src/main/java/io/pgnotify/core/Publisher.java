package io.pgnotify.core;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Collection;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Notifier}'s publishing side. With a pooled provider it borrows a connection per call; otherwise it keeps
 * one connection open and reopens it after a failure, never opening one per notification.
 */
final class Publisher implements AutoCloseable {

    private final ConnectionProvider provider;
    private final int maxPayloadSize;
    private final ReentrantLock lock = new ReentrantLock();

    // Guarded by lock; only for a provider that does not pool.
    private @Nullable Connection kept;

    private volatile boolean closed;

    Publisher(ConnectionProvider provider, int maxPayloadSize) {
        this.provider = provider;
        this.maxPayloadSize = maxPayloadSize;
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
            if (connection == null || connection.isClosed()) {
                connection = provider.getConnection();
                connection.setAutoCommit(true);
                kept = connection;
            }
            try {
                action.run(connection);
            } catch (SQLException e) {
                closeKept();
                throw e;
            }
        } finally {
            lock.unlock();
        }
    }

    /** Closes the kept connection, if any; the next publish opens another. */
    void release() {
        lock.lock();
        try {
            closeKept();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        closed = true;
        lock.lock();
        try {
            closeKept();
        } finally {
            lock.unlock();
        }
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
