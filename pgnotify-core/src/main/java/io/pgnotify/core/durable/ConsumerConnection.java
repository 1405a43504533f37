package io.pgnotify.core.durable;

import io.pgnotify.core.ConnectionProvider;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * A consumer's connection for its own statements (autocommit). From a pool it is borrowed per use; otherwise one is
 * kept open and replaced after a failure. Used only by the consumer's thread.
 */
final class ConsumerConnection implements AutoCloseable {

    @FunctionalInterface
    interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    private final ConnectionProvider provider;
    private final int networkTimeoutMillis;
    private @Nullable Connection kept;

    /**
     * @param networkTimeout how long a statement may wait on the network: a silent network must not hold the
     *     consumer past its lease, after which its writes are refused anyway
     */
    ConsumerConnection(ConnectionProvider provider, Duration networkTimeout) {
        this.provider = provider;
        this.networkTimeoutMillis = (int) Math.min(Integer.MAX_VALUE, networkTimeout.toMillis());
    }

    private Connection prepare(Connection c) throws SQLException {
        c.setAutoCommit(true);
        c.setNetworkTimeout(Runnable::run, networkTimeoutMillis);
        return c;
    }

    <T> T with(Work<T> work) throws SQLException {
        if (provider.isPooled()) {
            try (Connection c = provider.getConnection()) {
                return work.run(prepare(c));
            }
        }
        Connection c = kept;
        if (c == null) {
            c = prepare(provider.getConnection());
            kept = c;
        }
        try {
            return work.run(c);
        } catch (SQLException e) {
            close();
            throw e;
        }
    }

    @Override
    public void close() {
        Connection c = kept;
        kept = null;
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // the connection was already failing; nothing else to release
            }
        }
    }
}
