package io.pgnotify.core;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Objects;
import java.util.Properties;
import org.jspecify.annotations.Nullable;
import org.postgresql.Driver;

/**
 * Opens connections straight through pgjdbc. Unless the URL says otherwise, TCP keepalive is on and connecting,
 * logging in and every read are bounded ({@value #CONNECT_TIMEOUT_SECONDS} s, {@value #LOGIN_TIMEOUT_SECONDS} s,
 * {@value #SOCKET_TIMEOUT_SECONDS} s), so that a silent network fails a call instead of blocking it for as long as TCP
 * waits. The notifier narrows the read timeout of the connections it keeps to its ping timeout.
 */
final class DriverConnectionProvider implements ConnectionProvider {

    private static final Driver DRIVER = new Driver();

    static final int CONNECT_TIMEOUT_SECONDS = 10;
    static final int LOGIN_TIMEOUT_SECONDS = 10;
    static final int SOCKET_TIMEOUT_SECONDS = 60;

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
        defaultTo("tcpKeepAlive", "true");
        defaultTo("connectTimeout", Integer.toString(CONNECT_TIMEOUT_SECONDS));
        defaultTo("loginTimeout", Integer.toString(LOGIN_TIMEOUT_SECONDS));
        defaultTo("socketTimeout", Integer.toString(SOCKET_TIMEOUT_SECONDS));
    }

    private void defaultTo(String property, String value) {
        if (!url.contains(property + "=")) {
            properties.setProperty(property, value);
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
