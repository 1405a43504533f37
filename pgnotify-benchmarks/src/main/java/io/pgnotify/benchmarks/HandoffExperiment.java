package io.pgnotify.benchmarks;

import java.util.Locale;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The hand-off from the listener thread to a worker, without PostgreSQL: tasks submitted at a fixed rate to the
 * executor pgnotify-core's {@code Dispatcher} builds ({@code maxWorkers} core threads that time out after 30 s, over a
 * {@code LinkedBlockingQueue}) and, for comparison, to a cached pool (no core threads, a {@code SynchronousQueue}, at
 * most {@code maxWorkers}), which reuses the most recently idle thread and starts one only when none is idle.
 * Prints submit-to-run latency and how many threads each started. See docs/benchmarks.md.
 *
 * <p>{@code java -cp pgnotify-benchmarks/target/pgnotify-benchmarks.jar io.pgnotify.benchmarks.HandoffExperiment
 * [seconds per rate] [rates…]}
 */
public final class HandoffExperiment {

    private static final int MAX_WORKERS = 64; // Notifier.Builder's default

    private HandoffExperiment() {}

    public static void main(String[] args) throws InterruptedException {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 60;
        int[] rates = {1, 10, 100, 1000};
        if (args.length > 1) {
            rates = new int[args.length - 1];
            for (int i = 1; i < args.length; i++) {
                rates[i - 1] = Integer.parseInt(args[i]);
            }
        }
        System.out.println("| executor | rate | tasks | threads started | p50 | p90 | p99 | max |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|");
        for (boolean cached : new boolean[] {false, true}) {
            AtomicInteger started = new AtomicInteger();
            ThreadFactory threads = r -> {
                Thread t = new Thread(r, "handoff-worker-" + started.incrementAndGet());
                t.setDaemon(true);
                return t;
            };
            ThreadPoolExecutor executor = cached
                    ? new ThreadPoolExecutor(0, MAX_WORKERS, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), threads)
                    : dispatcherLike(threads);
            for (int rate : rates) {
                int before = started.get();
                Recorder recorder = new Recorder(TimeUnit.SECONDS.toNanos(10), 3);
                long period = 1_000_000_000L / rate;
                long count = (long) seconds * rate;
                long start = System.nanoTime();
                for (long i = 0; i < count; i++) {
                    long due = start + i * period;
                    long now;
                    while ((now = System.nanoTime()) - due < 0) {
                        LockSupport.parkNanos(due - now);
                    }
                    long submitted = System.nanoTime();
                    executor.execute(() -> recorder.recordValue(System.nanoTime() - submitted));
                }
                Thread.sleep(100);
                Histogram h = recorder.getIntervalHistogram();
                System.out.printf(
                        Locale.ROOT,
                        "| %s | %d/s | %d | %d | %.3f | %.3f | %.3f | %.3f |%n",
                        cached ? "cached (SynchronousQueue, 0 core)" : "as Dispatcher (64 core, LinkedBlockingQueue)",
                        rate,
                        h.getTotalCount(),
                        started.get() - before,
                        h.getValueAtPercentile(50) / 1e6,
                        h.getValueAtPercentile(90) / 1e6,
                        h.getValueAtPercentile(99) / 1e6,
                        h.getMaxValue() / 1e6);
            }
            executor.shutdownNow();
        }
    }

    private static ThreadPoolExecutor dispatcherLike(ThreadFactory threads) {
        ThreadPoolExecutor executor = new ThreadPoolExecutor(
                MAX_WORKERS, MAX_WORKERS, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), threads);
        executor.allowCoreThreadTimeOut(true);
        return executor;
    }
}
