package io.pgnotify.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * An embedded PostgreSQL of a test's own, for tests that stop, restart or cut off the server. It keeps its port
 * and data directory across {@link #stop()} and {@link #start()}.
 */
public final class PrivateDatabase implements AutoCloseable {

    private final int port;
    private final File dataDirectory;
    private EmbeddedPostgres server;
    private String[] serverConfig = {};

    private PrivateDatabase(int port, File dataDirectory) {
        this.port = port;
        this.dataDirectory = dataDirectory;
    }

    /** Starts a new server on a free port. */
    public static PrivateDatabase start(String... serverConfig) {
        try {
            PrivateDatabase db = new PrivateDatabase(
                    freePort(), Files.createTempDirectory("pgnotify-pg-").toFile());
            db.serverConfig = serverConfig.clone();
            // Not "clean": the embedded server would delete its data directory when stopped, and a restart would
            // then be a fresh cluster. The directory is new and empty, so the server initialises it.
            db.server = EmbeddedServers.start(db.builder(false));
            return db;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private EmbeddedPostgres.Builder builder(boolean clean) {
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

    /**
     * Makes a read-only standby of this server: stops it, copies its data directory, puts an empty
     * {@code standby.signal} in the copy, and starts both (the copy in recovery, with {@code hot_standby} on by
     * default, so it accepts connections and read-only statements; it streams from nowhere).
     */
    public synchronized PrivateDatabase startStandbyCopy() {
        stop();
        try {
            PrivateDatabase standby = new PrivateDatabase(
                    freePort(), Files.createTempDirectory("pgnotify-standby-").toFile());
            Path from = dataDirectory.toPath();
            Path to = standby.dataDirectory.toPath();
            try (Stream<Path> files = Files.walk(from)) {
                for (Path source : (Iterable<Path>) files::iterator) {
                    Path target = to.resolve(from.relativize(source).toString());
                    if (Files.isDirectory(source)) {
                        Files.createDirectories(target);
                    } else if (!source.getFileName().toString().equals("postmaster.pid")) {
                        Files.copy(source, target, StandardCopyOption.COPY_ATTRIBUTES);
                    }
                }
            }
            Files.createFile(to.resolve("standby.signal"));
            server = EmbeddedServers.start(builder(false));
            standby.server = EmbeddedServers.start(standby.builder(false));
            return standby;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Turns SSL on: writes a self-signed certificate and its key (mode 0600) into the data directory with
     * {@code openssl}, sets {@code ssl = on} and reloads the configuration.
     *
     * @return false when {@code openssl} is not available
     */
    public boolean enableSsl() {
        Path dir = dataDirectory.toPath();
        try {
            Process openssl = new ProcessBuilder(
                            "openssl",
                            "req",
                            "-new",
                            "-x509",
                            "-days",
                            "2",
                            "-nodes",
                            "-newkey",
                            "rsa:2048",
                            "-subj",
                            "/CN=localhost",
                            "-keyout",
                            dir.resolve("server.key").toString(),
                            "-out",
                            dir.resolve("server.crt").toString())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            if (!openssl.waitFor(60, TimeUnit.SECONDS) || openssl.exitValue() != 0) {
                return false;
            }
            Files.setPosixFilePermissions(dir.resolve("server.key"), PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        execute("ALTER SYSTEM SET ssl = on");
        execute("SELECT pg_reload_conf()");
        return true;
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
