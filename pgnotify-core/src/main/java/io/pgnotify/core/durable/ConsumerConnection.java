package io.pgnotify.core.durable;

import io.pgnotify.core.ConnectionProvider;
import java.sql.Connection;
import java.sql.SQLException;
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
    private @Nullable Connection kept;

    ConsumerConnection(ConnectionProvider provider) {
        this.provider = provider;
    }

    <T> T with(Work<T> work) throws SQLException {
        if (provider.isPooled()) {
            try (Connection c = provider.getConnection()) {
                c.setAutoCommit(true);
                return work.run(c);
            }
        }
        Connection c = kept;
        if (c == null) {
            c = provider.getConnection();
            c.setAutoCommit(true);
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
