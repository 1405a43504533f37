package io.pgnotify.benchmarks;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/** Where the PostgreSQL server is, for pgjdbc (a JDBC URL) and for Vert.x (host, port, database). */
record Server(
        String jdbcUrl,
        String host,
        int port,
        String database,
        String user,
        @Nullable String password) {

    private static final Pattern URL = Pattern.compile("jdbc:postgresql://([^:/?]+)(?::(\\d+))?/([^?]+)(\\?.*)?");

    static Server of(String jdbcUrl, String user, @Nullable String password) {
        Matcher m = URL.matcher(jdbcUrl);
        if (!m.matches()) {
            throw new IllegalArgumentException(
                    "--url must look like jdbc:postgresql://host[:port]/database (one host), got " + jdbcUrl);
        }
        int port = m.group(2) == null ? 5432 : Integer.parseInt(m.group(2));
        return new Server(jdbcUrl, m.group(1), port, m.group(3), user, password);
    }

    Connection connect() throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", user);
        if (password != null) {
            properties.setProperty("password", password);
        }
        properties.setProperty("ApplicationName", "pgnotify-benchmarks");
        return DriverManager.getConnection(jdbcUrl, properties);
    }

    @Override
    public String toString() {
        return jdbcUrl + " as " + user;
    }
}
