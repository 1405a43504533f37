package io.pgnotify.spring.boot.autoconfigure;

import io.pgnotify.core.ConnectionProvider;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import java.util.Properties;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.postgresql.Driver;
import org.springframework.util.ClassUtils;

/**
 * The listening connection, opened straight through pgjdbc with the driver properties of the application's DataSource
 * (Hikari's {@code data-source-properties}: sslmode, certificates, socket factory...) and {@code
 * pgnotify.listener.properties.*} over them. TCP keepalive is on unless configured otherwise.
 */
final class ListeningConnection implements ConnectionProvider {

    private static final boolean HIKARI_PRESENT =
            ClassUtils.isPresent("com.zaxxer.hikari.HikariDataSource", ListeningConnection.class.getClassLoader());

    private final String url;
    private final Properties properties;

    ListeningConnection(String url, Properties properties) {
        this.url = url;
        this.properties = properties;
    }

    /**
     * Puts the connection together: the URL and login from the first of the properties, the connection details and
     * the DataSource that has them, driver properties from the DataSource and then the listener properties.
     */
    static ListeningConnection of(
            PgNotifyProperties.Listener listener,
            @Nullable PgNotifyConnectionDetails details,
            @Nullable DataSource dataSource) {
        @Nullable HikariSettings hikari = HIKARI_PRESENT ? HikariSettings.of(dataSource) : null;
        String url = listener.getUrl();
        if (url == null && details != null) {
            url = details.getJdbcUrl();
        }
        if (url == null && hikari != null) {
            url = hikari.url();
        }
        if (url == null) {
            throw new IllegalStateException("pgnotify.listener.url must be set: there are no connection details to"
                    + " take the listening connection's URL from (no JdbcConnectionDetails, no Hikari DataSource)");
        }
        Properties properties = new Properties();
        if (hikari != null) {
            properties.putAll(hikari.driverProperties());
        }
        properties.putAll(listener.getProperties());
        String username = first(
                listener.getUsername(),
                details != null ? details.getUsername() : null,
                hikari != null ? hikari.username() : null);
        String password = first(
                listener.getPassword(),
                details != null ? details.getPassword() : null,
                hikari != null ? hikari.password() : null);
        if (username != null) {
            properties.setProperty("user", username);
        }
        if (password != null) {
            properties.setProperty("password", password);
        }
        if (!url.contains("tcpKeepAlive=") && !properties.containsKey("tcpKeepAlive")) {
            properties.setProperty("tcpKeepAlive", "true");
        }
        return new ListeningConnection(url, properties);
    }

    @Override
    public Connection getConnection() throws SQLException {
        Connection connection = new Driver().connect(url, properties);
        if (connection == null) {
            throw new SQLException("The PostgreSQL driver does not accept the URL " + this);
        }
        return connection;
    }

    String url() {
        return url;
    }

    /** The driver properties; they hold the password. */
    Properties properties() {
        return properties;
    }

    private static @Nullable String first(@Nullable String... values) {
        for (String value : values) {
            if (value != null) {
                return value;
            }
        }
        return null;
    }

    /** Without its query string, which may hold credentials. */
    @Override
    public String toString() {
        int query = url.indexOf('?');
        return query < 0 ? url : url.substring(0, query) + "?…";
    }

    /** What a Hikari DataSource knows about its connections; only loaded when Hikari is on the class path. */
    private record HikariSettings(
            @Nullable String url,
            @Nullable String username,
            @Nullable String password,
            Map<Object, Object> driverProperties) {

        static @Nullable HikariSettings of(@Nullable DataSource dataSource) {
            if (dataSource == null) {
                return null;
            }
            com.zaxxer.hikari.HikariDataSource hikari;
            try {
                if (!dataSource.isWrapperFor(com.zaxxer.hikari.HikariDataSource.class)) {
                    return null;
                }
                hikari = dataSource.unwrap(com.zaxxer.hikari.HikariDataSource.class);
            } catch (SQLException e) {
                return null;
            }
            return new HikariSettings(
                    hikari.getJdbcUrl(),
                    hikari.getUsername(),
                    hikari.getPassword(),
                    Map.copyOf(hikari.getDataSourceProperties()));
        }
    }
}
