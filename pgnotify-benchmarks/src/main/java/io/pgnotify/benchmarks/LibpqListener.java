package io.pgnotify.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The physical-limit baseline: a C program on libpq ({@code select} on the socket, {@code PQconsumeInput}, then
 * {@code PQnotifies} until empty; src/main/c/libpq_listener.c), compiled with gcc on first use and run as a child
 * process. It stamps each notification with {@code CLOCK_MONOTONIC} when {@code PQnotifies} returns it, which on Linux
 * is the clock {@link System#nanoTime()} reads, and writes the stamp and the payload to its stdout after the batch;
 * a reader thread here records them, so the latency is the C program's handler entry, and the reading of its output
 * is off the measured path.
 */
final class LibpqListener implements Listener {

    private static final String SOURCE = "/io/pgnotify/benchmarks/libpq_listener.c";
    private static @Nullable Path binary; // compiled once per JVM, guarded by the class lock

    private final Latencies latencies = new Latencies(Report.LIBPQ);
    private final Server server;
    private final String channel;
    private final ChildListener child =
            new ChildListener("C listener", (stamps, payload) -> latencies.record(payload, stamps[0]));

    LibpqListener(Server server, String channel) {
        this.server = server;
        this.channel = channel;
    }

    /** Why the baseline cannot run here: gcc or libpq's headers are missing, or compiling failed. */
    static final class Unavailable extends Exception {
        Unavailable(String message) {
            super(message);
        }
    }

    /** Compiles the C listener if it has not been yet, or says why it cannot be. */
    static synchronized Path compile() throws Unavailable, InterruptedException {
        if (binary != null) {
            return binary;
        }
        String include = run(List.of("pg_config", "--includedir"), "libpq-dev").trim();
        if (!Files.isRegularFile(Path.of(include, "libpq-fe.h"))) {
            throw new Unavailable("libpq-fe.h is not in " + include + " (install libpq-dev)");
        }
        try {
            Path dir = Files.createTempDirectory("pgnotify-bench-libpq");
            Path source = dir.resolve("libpq_listener.c");
            try (InputStream in = LibpqListener.class.getResourceAsStream(SOURCE)) {
                if (in == null) {
                    throw new Unavailable("the C source " + SOURCE + " is not on the class path");
                }
                Files.copy(in, source);
            }
            Path out = dir.resolve("libpq_listener");
            run(List.of("gcc", "-O2", "-o", out.toString(), source.toString(), "-I" + include, "-lpq"), "gcc");
            out.toFile().deleteOnExit();
            source.toFile().deleteOnExit();
            dir.toFile().deleteOnExit();
            binary = out;
            return out;
        } catch (IOException e) {
            throw new Unavailable("cannot write the C listener to a temporary directory: " + e.getMessage());
        }
    }

    /** Runs a build command to completion within 60 s and returns its output; fails with what it printed. */
    private static String run(List<String> command, String debianPackage) throws Unavailable, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new Unavailable(command.get(0) + " not found; install it with: apt-get install " + debianPackage);
        }
        try (InputStream in = p.getInputStream()) {
            String output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new Unavailable(command.get(0) + " did not finish within 60 s");
            }
            if (p.exitValue() != 0) {
                throw new Unavailable(command.get(0) + " failed (exit " + p.exitValue() + "): " + output.trim());
            }
            return output;
        } catch (IOException e) {
            throw new Unavailable(command.get(0) + " output unreadable: " + e.getMessage());
        }
    }

    @Override
    public void start() throws Exception {
        ProcessBuilder builder = new ProcessBuilder(compile().toString(), conninfo(), channel);
        if (server.password() != null) {
            builder.environment().put("PGPASSWORD", server.password()); // not on the command line
        }
        child.start(builder);
    }

    /** libpq's key=value form; values quoted as libpq requires. The password travels in PGPASSWORD. */
    private String conninfo() {
        return "host=" + quote(server.host()) + " port=" + server.port() + " dbname=" + quote(server.database())
                + " user=" + quote(server.user()) + " application_name=pgnotify-benchmarks";
    }

    private static String quote(String value) {
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    @Override
    public List<Latencies> series() {
        return List.of(latencies);
    }

    @Override
    public void close() {
        child.close();
    }
}
