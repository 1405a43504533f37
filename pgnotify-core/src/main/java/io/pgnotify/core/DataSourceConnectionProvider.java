package io.pgnotify.core;

import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;

/** Borrows connections from a {@link DataSource}. */
final class DataSourceConnectionProvider implements ConnectionProvider {

    private final DataSource dataSource;

    DataSourceConnectionProvider(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    @Override
    public Connection getConnection() throws SQLException {
        return dataSource.getConnection();
    }

    @Override
    public boolean isPooled() {
        return true;
    }

    @Override
    public String toString() {
        return "DataSource " + dataSource.getClass().getName();
    }
}
