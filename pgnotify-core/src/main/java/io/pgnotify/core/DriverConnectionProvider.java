package io.pgnotify.core;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Objects;
import java.util.Properties;
import org.jspecify.annotations.Nullable;
import org.postgresql.Driver;

/** Opens connections straight through pgjdbc; TCP keepalive is on unless the URL says otherwise. */
final class DriverConnectionProvider implements ConnectionProvider {

    private static final Driver DRIVER = new Driver();

    private final String url;
    private final Properties properties = new Properties();

    DriverConnectionProvider(String url, @Nullable String user, @Nullable String password) {
        Objects.requireNonNull(url, "'url' must not be null");
        if (!url.startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException(
                    "'url' must start with jdbc:postgresql:, got '" + Redaction.url(url) + "'");
        }
        this.url = url;
        if (user != null) {
            properties.setProperty("user", user);
        }
        if (password != null) {
            properties.setProperty("password", password);
        }
        if (!url.contains("tcpKeepAlive=")) {
            properties.setProperty("tcpKeepAlive", "true");
        }
    }

    @Override
    public Connection getConnection() throws SQLException {
        Connection connection = DRIVER.connect(url, properties);
        if (connection == null) {
            throw new SQLException("The PostgreSQL driver does not accept the URL " + Redaction.url(url));
        }
        return connection;
    }

    @Override
    public String toString() {
        return Redaction.url(url);
    }
}
