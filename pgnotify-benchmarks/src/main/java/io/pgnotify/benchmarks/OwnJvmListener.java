package io.pgnotify.benchmarks;

import io.pgnotify.core.ConnectionProvider;
import io.pgnotify.core.Notifier;
import io.pgnotify.core.NotifierState;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The pgnotify {@link Notifier} in a JVM of its own, as a service runs it, beside the C listener in its own process:
 * the in-process listeners share their JVM with the publisher, with each other and with this harness. The child
 * ({@link #main}) stamps handler entry with {@link System#nanoTime()} and {@code Notification.receivedAt()} moved
 * onto that clock, and writes both with the payload after the handler's stamp, so the same three series as
 * {@link PgnotifyListener} come out.
 */
final class OwnJvmListener implements Listener {

    private final Latencies latencies = new Latencies(Report.OWN_JVM);
    private final Latencies read = new Latencies("  own JVM, of which: send to reading thread");
    private final Latencies toHandler = new Latencies("  own JVM, of which: reading thread to handler");
    private final ChildListener child = new ChildListener("pgnotify child JVM", (stamps, payload) -> {
        latencies.record(payload, stamps[0]);
        if (stamps.length > 1) {
            read.record(payload, stamps[1]);
            toHandler.recordLatency(payload, stamps[0] - stamps[1]);
        }
    });
    private final Server server;
    private final String channel;

    OwnJvmListener(Server server, String channel) {
        this.server = server;
        this.channel = channel;
    }

    @Override
    public void start() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                OwnJvmListener.class.getName(),
                server.jdbcUrl(),
                server.user(),
                channel);
        if (server.password() != null) {
            builder.environment().put("PGPASSWORD", server.password()); // not on the command line
        }
        child.start(builder);
    }

    @Override
    public List<Latencies> series() {
        return List.of(latencies, read, toHandler);
    }

    @Override
    public void close() {
        child.close();
    }

    /** The child: {@code <jdbc url> <user> <channel>}, the password in PGPASSWORD; stops when stdin closes. */
    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: OwnJvmListener <jdbc url> <user> <channel>");
            System.exit(2);
        }
        long offset = PgnotifyListener.clockOffset();
        OutputStream out = new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16);
        ConnectionProvider connections = ConnectionProvider.of(args[0], args[1], System.getenv("PGPASSWORD"));
        try (Notifier notifier =
                Notifier.builder(connections).name("bench-own-jvm").build()) {
            notifier.subscribe(args[2], n -> {
                long entered = System.nanoTime();
                long readAt = PgnotifyListener.epochNanos(n.receivedAt()) - offset;
                write(out, entered + "," + readAt + " " + n.payload() + "\n");
            });
            notifier.start();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (notifier.state() != NotifierState.LISTENING) {
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException("not listening after 30 s: " + notifier.status());
                }
                Thread.sleep(10);
            }
            write(out, "ready " + System.nanoTime() + "\n");
            while (System.in.read() != -1) {
                // until the benchmark closes our stdin
            }
        }
    }

    private static void write(OutputStream out, String line) throws IOException {
        byte[] bytes = line.getBytes(StandardCharsets.US_ASCII);
        synchronized (out) {
            out.write(bytes);
            out.flush();
        }
    }
}
