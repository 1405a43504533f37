package io.pgnotify.core;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * Yields connections to PostgreSQL through the pgjdbc driver (each must unwrap to {@code org.postgresql.PGConnection}).
 *
 * <p>The {@link Notifier} asks its provider for a fresh connection at every connect and reconnect, and never reuses
 * one that failed. The listening connection is held for as long as it works, so it should not come from a pool that
 * retires connections (HikariCP's {@code maxLifetime}) or from a transaction-mode pooler such as PgBouncer.
 */
@FunctionalInterface
public interface ConnectionProvider {

    /**
     * Opens (or borrows) a connection. The caller closes it.
     *
     * @return a new connection
     * @throws SQLException if no connection can be had
     */
    Connection getConnection() throws SQLException;

    /**
     * Whether connections are borrowed from a pool, so that a publisher may take one per call and return it.
     * When {@code false} a publisher keeps one connection open and reopens it after a failure.
     *
     * @return {@code true} for a pool
     */
    default boolean isPooled() {
        return false;
    }

    /**
     * A provider over a {@link DataSource}, treated as a pool: publishing borrows a connection per call.
     *
     * @param dataSource where connections come from
     * @return the provider
     */
    static ConnectionProvider of(DataSource dataSource) {
        Objects.requireNonNull(dataSource, "'dataSource' must not be null");
        return new DataSourceConnectionProvider(dataSource);
    }

    /**
     * A provider that opens a new connection through the driver for every call.
     *
     * @param url a {@code jdbc:postgresql:} URL (several hosts allowed)
     * @param user the user name, or {@code null} to take it from the URL
     * @param password the password, or {@code null}
     * @return the provider
     */
    static ConnectionProvider of(
            String url,
            @org.jspecify.annotations.Nullable String user,
            @org.jspecify.annotations.Nullable String password) {
        return new DriverConnectionProvider(url, user, password);
    }
}
