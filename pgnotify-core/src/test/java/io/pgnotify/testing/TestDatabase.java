package io.pgnotify.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

/**
 * The PostgreSQL server the test suite talks to, started once per test JVM.
 *
 * <p>By default an embedded PostgreSQL (its major version chosen by the {@code pgnotify.test.postgres-version}
 * Maven property), with TLS required on every connection when {@code -Dpgnotify.test.tls=true}. When
 * {@code PGNOTIFY_TEST_JDBC_URL} is set, the suite uses that server instead, with {@code PGNOTIFY_TEST_USER} and
 * {@code PGNOTIFY_TEST_PASSWORD}.
 */
public final class TestDatabase {

    private static volatile TestDatabase shared;

    private final String url;
    private final String user;
    private final String password;

    private TestDatabase(String url, String user, String password) {
        this.url = url;
        this.user = user;
        this.password = password;
    }

    /** The suite's shared server, started on first use and stopped when the JVM exits. */
    public static TestDatabase shared() {
        TestDatabase db = shared;
        if (db == null) {
            synchronized (TestDatabase.class) {
                db = shared;
                if (db == null) {
                    db = start();
                    shared = db;
                }
            }
        }
        return db;
    }

    private static TestDatabase start() {
        String externalUrl = System.getenv("PGNOTIFY_TEST_JDBC_URL");
        if (externalUrl != null && !externalUrl.isBlank()) {
            return new TestDatabase(
                    externalUrl,
                    envOrDefault("PGNOTIFY_TEST_USER", "postgres"),
                    envOrDefault("PGNOTIFY_TEST_PASSWORD", ""));
        }
        if (Boolean.getBoolean("pgnotify.test.tls")) {
            PrivateDatabase db = PrivateDatabase.start();
            Runtime.getRuntime().addShutdownHook(new Thread(db::close, "pg-test-stop"));
            if (!db.enableSsl()) {
                throw new IllegalStateException(
                        "pgnotify.test.tls=true needs openssl on the PATH to make a certificate");
            }
            return new TestDatabase(db.url() + "?sslmode=require", db.user(), db.password());
        }
        EmbeddedPostgres server = EmbeddedServers.start(EmbeddedPostgres.builder());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> EmbeddedServers.closeQuietly(server), "pg-test-stop"));
        return new TestDatabase(server.getJdbcUrl("postgres", "postgres"), "postgres", "postgres");
    }

    private static String envOrDefault(String name, String fallback) {
        String value = System.getenv(name);
        return value == null ? fallback : value;
    }

    public String url() {
        return url;
    }

    public String user() {
        return user;
    }

    public String password() {
        return password;
    }

    /** A new connection in autocommit; the caller closes it. */
    public Connection connect() throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", user);
        props.setProperty("password", password);
        props.setProperty("ApplicationName", "pgnotify-test");
        return DriverManager.getConnection(url, props);
    }

    /** Runs one statement on a short-lived connection. */
    public void execute(String sql) {
        try (Connection c = connect();
                Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("Failed: " + sql, e);
        }
    }
}
