package io.pgnotify.core.durable;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The durable channels' tables and functions in schema {@code pgnotify}, shipped as the script {@value #LOCATION}.
 * Install it with {@link #install}, or run the script through Flyway or Liquibase; {@link #validate} checks it.
 */
public final class DurableSchema {

    /** The classpath location of the script. */
    public static final String LOCATION = "io/pgnotify/durable/schema-postgresql.sql";

    /** The schema version this library needs. */
    public static final int VERSION = 2;

    private static final String[] TABLES = {
        "durable_schema_version", "durable_message", "durable_group", "durable_failure"
    };
    private static final String[] FUNCTIONS = {"publish_durable", "publish_all_durable", "durable_partition"};
    private static final String[] GROUP_COLUMNS = {"partition", "partitions"};

    private DurableSchema() {}

    /**
     * The script's text.
     *
     * @return the SQL script, idempotent
     */
    public static String script() {
        try (InputStream in = DurableSchema.class.getClassLoader().getResourceAsStream(LOCATION)) {
            if (in == null) {
                throw new IllegalStateException("Durable schema script " + LOCATION + " is not on the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read durable schema script " + LOCATION, e);
        }
    }

    /**
     * Runs the script (idempotent) on the connection, serialised against other instances doing the same.
     *
     * @param connection an autocommit connection allowed to create the schema
     * @throws SQLException if the script fails
     */
    public static void install(Connection connection) throws SQLException {
        Objects.requireNonNull(connection, "'connection' must not be null");
        try (Statement statement = connection.createStatement()) {
            statement.execute("SELECT pg_advisory_lock(1885826414, 0)");
            try {
                statement.execute(script());
            } finally {
                statement.execute("SELECT pg_advisory_unlock(1885826414, 0)");
            }
        }
    }

    /**
     * Checks that every table and function exists and that the installed version is current.
     *
     * @param connection a connection to the database
     * @throws IllegalStateException naming what is missing and where the script is
     * @throws SQLException if the checks cannot run
     */
    public static void validate(Connection connection) throws SQLException {
        List<String> missing = new ArrayList<>();
        for (String table : TABLES) {
            if (!exists(connection, "SELECT to_regclass(?) IS NOT NULL", "pgnotify." + table)) {
                missing.add("table pgnotify." + table);
            }
        }
        if (missing.isEmpty()) {
            for (String column : GROUP_COLUMNS) {
                if (!exists(
                        connection,
                        "SELECT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = 'pgnotify'"
                                + " AND table_name = 'durable_group' AND column_name = ?)",
                        column)) {
                    missing.add("column pgnotify.durable_group." + column);
                }
            }
        }
        for (String function : FUNCTIONS) {
            if (!exists(
                    connection,
                    "SELECT EXISTS (SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
                            + " WHERE n.nspname = 'pgnotify' AND p.proname = ?)",
                    function)) {
                missing.add("function pgnotify." + function);
            }
        }
        if (missing.isEmpty()) {
            int installed = installedVersion(connection);
            if (installed < VERSION) {
                missing.add("schema version " + VERSION + " (installed: " + installed + ")");
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException("The pgnotify durable schema is missing or older than version " + VERSION
                    + ": missing " + String.join(", ", missing) + ". Run the script classpath:" + LOCATION
                    + " (in pgnotify-core's jar) or set pgnotify.durable.initialize-schema=always");
        }
    }

    private static int installedVersion(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery(
                        "SELECT coalesce(max(version), 0) FROM pgnotify.durable_schema_version")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static boolean exists(Connection connection, String sql, String name) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, name);
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }
}
