package io.pgnotify.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * An embedded PostgreSQL of a test's own, for tests that stop, restart or cut off the server. It keeps its port
 * and data directory across {@link #stop()} and {@link #start()}.
 */
public final class PrivateDatabase implements AutoCloseable {

    private final int port;
    private final File dataDirectory;
    private EmbeddedPostgres server;

    private PrivateDatabase(int port, File dataDirectory) {
        this.port = port;
        this.dataDirectory = dataDirectory;
    }

    /** Starts a new server on a free port. */
    public static PrivateDatabase start(String... serverConfig) {
        try {
            PrivateDatabase db = new PrivateDatabase(
                    freePort(), Files.createTempDirectory("pgnotify-pg-").toFile());
            db.server = EmbeddedServers.start(db.builder(true, serverConfig));
            return db;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private EmbeddedPostgres.Builder builder(boolean clean, String... serverConfig) {
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                .setPort(port)
                .setDataDirectory(dataDirectory)
                .setCleanDataDirectory(clean);
        for (int i = 0; i + 1 < serverConfig.length; i += 2) {
            builder.setServerConfig(serverConfig[i], serverConfig[i + 1]);
        }
        return builder;
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    public int port() {
        return port;
    }

    public String url() {
        return "jdbc:postgresql://localhost:" + port + "/postgres";
    }

    public String user() {
        return "postgres";
    }

    public String password() {
        return "postgres";
    }

    public Connection connect() throws SQLException {
        return DriverManager.getConnection(url(), user(), password());
    }

    public void execute(String sql) {
        try (Connection c = connect();
                Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("Failed: " + sql, e);
        }
    }

    /** Stops the server (fast shutdown); its data directory stays. */
    public synchronized void stop() {
        if (server != null) {
            try {
                server.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                server = null;
            }
        }
    }

    /** Starts the server again on the same port and data directory. */
    public synchronized void restart() {
        stop();
        server = EmbeddedServers.start(builder(false));
    }

    public synchronized boolean running() {
        return server != null;
    }

    @Override
    public synchronized void close() {
        stop();
        deleteRecursively(dataDirectory);
    }

    private static void deleteRecursively(File file) {
        File[] children = file.listFiles();
        if (children != null) {
            for (File child : children) {
                deleteRecursively(child);
            }
        }
        file.delete();
    }
}
