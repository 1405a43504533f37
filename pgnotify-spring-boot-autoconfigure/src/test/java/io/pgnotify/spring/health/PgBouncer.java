package io.pgnotify.spring.health;

import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A PgBouncer of the test's own in transaction pooling mode, in front of a PostgreSQL server: its own ini and user
 * list in a temporary directory, on a free port. Needs the {@code pgbouncer} binary (Debian package {@code pgbouncer}).
 */
final class PgBouncer implements AutoCloseable {

    private final Process process;
    private final Path directory;
    private final int port;

    private PgBouncer(Process process, Path directory, int port) {
        this.process = process;
        this.directory = directory;
        this.port = port;
    }

    /** The binary on the PATH or in the sbin directories Debian installs it to. */
    static Optional<Path> binary() {
        List<String> directories =
                new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(":")));
        directories.addAll(List.of("/usr/sbin", "/usr/local/sbin", "/usr/bin"));
        return directories.stream()
                .filter(d -> !d.isBlank())
                .map(d -> Paths.get(d, "pgbouncer"))
                .filter(Files::isExecutable)
                .findFirst();
    }

    /** Starts a transaction-mode PgBouncer in front of the server on 127.0.0.1 at that port. */
    static PgBouncer start(Path binary, int serverPort, String user) {
        try {
            int port = freePort();
            Path directory = Files.createTempDirectory("pgnotify-pgbouncer-");
            // PgBouncer refuses to run as root and switches to the user named in the ini; that user reads the files.
            Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path userlist = Files.writeString(directory.resolve("userlist.txt"), "\"" + user + "\" \"\"\n");
            String ini = String.join(
                    "\n",
                    "[databases]",
                    "* = host=127.0.0.1 port=" + serverPort,
                    "[pgbouncer]",
                    "listen_addr = 127.0.0.1",
                    "listen_port = " + port,
                    "unix_socket_dir =",
                    "auth_type = trust",
                    "auth_file = " + userlist,
                    "pool_mode = transaction",
                    // pgjdbc sends it at startup; PgBouncer refuses unknown startup parameters.
                    "ignore_startup_parameters = extra_float_digits",
                    "root".equals(System.getProperty("user.name")) ? "user = nobody" : "",
                    "");
            Path config = Files.writeString(directory.resolve("pgbouncer.ini"), ini);
            for (Path file : List.of(userlist, config)) {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
            }
            File log = directory.resolve("pgbouncer.log").toFile();
            Process process = new ProcessBuilder(binary.toString(), config.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(log)
                    .start();
            PgBouncer bouncer = new PgBouncer(process, directory, port);
            try {
                await().atMost(Duration.ofSeconds(10)).until(() -> {
                    if (!process.isAlive()) {
                        throw new IllegalStateException("pgbouncer exited: " + Files.readString(log.toPath()));
                    }
                    return accepts(port);
                });
            } catch (RuntimeException e) {
                bouncer.close();
                throw e;
            }
            return bouncer;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A URL through the pooler; no server-side prepared statements, which transaction pooling cannot keep. */
    String url() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres?prepareThreshold=0";
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (var files = Files.walk(directory)) {
            files.sorted((a, b) -> b.compareTo(a)).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // a leftover temporary directory is harmless
        }
    }

    private static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
