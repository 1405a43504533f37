package io.pgnotify.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * A listener running in a child process of its own, as a service would, so that nothing else in this JVM runs beside
 * it. The child writes {@code ready <nanoTime>} once it listens, then one line per notification, {@code <stamp>[,<stamp>]
 * <payload>}, each stamp a {@code CLOCK_MONOTONIC} reading (what {@link System#nanoTime()} reads on Linux); a reader
 * thread here passes the stamps to the sink, off the measured path. Closing the child's stdin asks it to stop.
 */
final class ChildListener {

    /** Takes the stamps of one line and its payload. */
    interface Sink {
        void accept(long[] stamps, String payload);
    }

    private static final long STARTUP_SECONDS = 30;

    private final String what;
    private final Sink sink;
    private @Nullable Process process; // started and stopped by the benchmark's main thread only
    private @Nullable Thread reader;

    ChildListener(String what, Sink sink) {
        this.what = what;
        this.sink = sink;
    }

    /** Starts the child and returns once it listens, at most 30 s later. */
    void start(ProcessBuilder builder) throws Exception {
        process = builder.redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BufferedReader lines =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII));
        String ready = readyLine(lines);
        long skew = System.nanoTime() - Long.parseLong(ready.substring("ready ".length()));
        if (skew < 0 || skew > TimeUnit.SECONDS.toNanos(STARTUP_SECONDS)) {
            close();
            throw new IllegalStateException("The " + what + "'s CLOCK_MONOTONIC is " + skew
                    + " ns away from System.nanoTime(); latencies would be meaningless on this platform");
        }
        reader = new Thread(() -> read(lines), "bench-child-reader");
        reader.setDaemon(true);
        reader.start();
    }

    /** Waits for the child's "ready" line, at most 30 s, reading on a helper thread so the wait is bounded. */
    private String readyLine(BufferedReader lines) throws Exception {
        CompletableFuture<String> first = new CompletableFuture<>();
        Thread t = new Thread(
                () -> {
                    try {
                        first.complete(lines.readLine());
                    } catch (IOException e) {
                        first.completeExceptionally(e);
                    }
                },
                "bench-child-start");
        t.setDaemon(true);
        t.start();
        String line;
        try {
            line = first.get(STARTUP_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            close();
            throw new IllegalStateException("The " + what + " did not LISTEN within " + STARTUP_SECONDS + " s");
        }
        Process p = process;
        if (line == null || !line.startsWith("ready ")) {
            close();
            throw new IllegalStateException("The " + what + " failed to start (see its message above), exit "
                    + (p == null || p.isAlive() ? "pending" : p.exitValue()));
        }
        return line;
    }

    private void read(BufferedReader lines) {
        try {
            String line;
            while ((line = lines.readLine()) != null) {
                int space = line.indexOf(' ');
                if (space > 0) {
                    String[] parts = line.substring(0, space).split(",");
                    long[] stamps = new long[parts.length];
                    for (int i = 0; i < parts.length; i++) {
                        stamps[i] = Long.parseLong(parts[i]);
                    }
                    sink.accept(stamps, line.substring(space + 1));
                }
            }
        } catch (IOException | NumberFormatException e) {
            System.err.println(what + ": unreadable output: " + e);
        }
    }

    /** Asks the child to stop, waits up to 2 s, then kills it. */
    void close() {
        Process p = process;
        if (p == null) {
            return;
        }
        try (OutputStream stdin = p.getOutputStream()) {
            stdin.flush(); // closing stdin asks the child to stop
        } catch (IOException ignored) {
            // it has exited already
        }
        try {
            if (!p.waitFor(2, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(2, TimeUnit.SECONDS);
            }
            if (reader != null) {
                reader.join(TimeUnit.SECONDS.toMillis(2));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
        }
    }
}
