package io.pgnotify.benchmarks;

import io.pgnotify.core.ConnectionProvider;
import io.pgnotify.core.Notifier;
import io.pgnotify.core.NotifierState;
import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The CPU time a process with a listening {@link Notifier} uses over a quiet period, or while it receives a steady
 * rate, for comparing dispatcher settings in two processes started side by side (so that both see the same noise):
 *
 * <pre>
 * java -Dpgnotify.dispatch.hand-off=true -cp pgnotify-benchmarks/target/pgnotify-benchmarks.jar \
 *     io.pgnotify.benchmarks.NotifierCpu --rate 0 --seconds 60 &amp;
 * java -cp pgnotify-benchmarks/target/pgnotify-benchmarks.jar io.pgnotify.benchmarks.NotifierCpu --rate 0 --seconds 60
 * </pre>
 *
 * <p>Before measuring, it receives a short burst at 5,000/s so that the workers have been busy, and waits until the
 * burst is handled. With {@code --rate N > 0} the process also publishes N/s on its own channel during the
 * measurement; both processes pay the same for publishing, so the difference is the dispatcher's. With
 * {@code --handler-micros N} every handler call blocks N µs. Prints one CSV line: hand-off setting, watcher setting,
 * rate, handler µs, seconds, process CPU ms, notifications handled.
 */
public final class NotifierCpu {

    private NotifierCpu() {}

    public static void main(String[] args) throws Exception {
        Flags flags = Flags.parse(args);
        int rate = flags.number("rate", 0);
        int seconds = flags.number("seconds", 60);
        long handlerNanos = TimeUnit.MICROSECONDS.toNanos(flags.number("handler-micros", 0));
        String url = flags.text("url", "jdbc:postgresql://127.0.0.1:5432/postgres");
        String user = flags.text("user", "postgres");
        String channel = "cpu_" + ProcessHandle.current().pid();
        AtomicLong handled = new AtomicLong();
        try (Notifier notifier = Notifier.builder(ConnectionProvider.of(url, user, ""))
                        .name("cpu")
                        .build();
                Connection publisher = DriverManager.getConnection(url, user, "")) {
            notifier.subscribe(channel, n -> {
                if (handlerNanos > 0) {
                    LockSupport.parkNanos(handlerNanos); // a blocking call: not short, never run inline
                }
                handled.incrementAndGet();
            });
            notifier.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (notifier.state() != NotifierState.LISTENING && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            PreparedStatement notify = publisher.prepareStatement("SELECT pg_notify(?, ?)");
            long burst = publish(notify, channel, 5000, Duration.ofSeconds(2));
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (handled.get() < burst && System.nanoTime() < deadline) {
                Thread.sleep(10); // slow handlers take a while to work the burst off
            }
            Thread.sleep(2000);
            long before = cpuNanos();
            long handledBefore = handled.get();
            if (rate > 0) {
                publish(notify, channel, rate, Duration.ofSeconds(seconds));
            } else {
                Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
            }
            long cpu = cpuNanos() - before;
            System.out.printf(
                    Locale.ROOT,
                    "%s,%s,%d,%d,%d,%.1f,%d%n",
                    System.getProperty("pgnotify.dispatch.hand-off", "false"),
                    System.getProperty("pgnotify.dispatch.watcher", "true"),
                    rate,
                    TimeUnit.NANOSECONDS.toMicros(handlerNanos),
                    seconds,
                    cpu / 1e6,
                    handled.get() - handledBefore);
        }
    }

    /** Returns how many it sent. */
    private static long publish(PreparedStatement notify, String channel, int rate, Duration duration)
            throws Exception {
        long interval = TimeUnit.SECONDS.toNanos(1) / rate;
        long start = System.nanoTime();
        long count = duration.toNanos() / interval;
        for (long i = 0; i < count; i++) {
            long due = start + i * interval;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            notify.setString(1, channel);
            notify.setString(2, Long.toString(i));
            notify.execute();
        }
        return count;
    }

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }
}
