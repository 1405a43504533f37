package io.pgnotify.benchmarks;

import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * What waking a parked thread costs the thread that wakes it, after the wakee has slept for a given gap: the time
 * {@code LockSupport.unpark} takes to return, and the time until the wakee runs. Leader/followers wakes the next reader
 * before the handler runs, so the first is on the handler's path (docs/benchmarks.md, against libpq).
 *
 * <p>Usage: {@code java -cp pgnotify-benchmarks.jar io.pgnotify.benchmarks.UnparkCost [gap µs ...]} (default 10000
 * 1000 200), 2,000 wake-ups per gap after 200 discarded.
 */
public final class UnparkCost {

    private static final int MEASURED = 2000;
    private static final int WARMUP = 200;

    private static volatile long woke;

    private UnparkCost() {}

    public static void main(String[] args) {
        long[] gaps = args.length == 0
                ? new long[] {10_000, 1_000, 200}
                : Arrays.stream(args).mapToLong(Long::parseLong).toArray();
        Thread wakee = new Thread(
                () -> {
                    while (true) {
                        LockSupport.park();
                        woke = System.nanoTime();
                    }
                },
                "unpark-cost-wakee");
        wakee.setDaemon(true);
        wakee.start();
        for (long gapMicros : gaps) {
            long[] call = new long[MEASURED];
            long[] latency = new long[MEASURED];
            for (int i = 0; i < WARMUP + MEASURED; i++) {
                LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(gapMicros));
                long before = woke;
                long start = System.nanoTime();
                LockSupport.unpark(wakee);
                long returned = System.nanoTime();
                long deadline = returned + TimeUnit.SECONDS.toNanos(1);
                while (woke == before) {
                    if (System.nanoTime() - deadline > 0) {
                        throw new IllegalStateException("the parked thread did not wake within 1 s");
                    }
                    Thread.onSpinWait();
                }
                if (i >= WARMUP) {
                    call[i - WARMUP] = returned - start;
                    latency[i - WARMUP] = woke - start;
                }
            }
            Arrays.sort(call);
            Arrays.sort(latency);
            System.out.printf(
                    Locale.ROOT,
                    "parked %,d µs: unpark returns in p50 %.1f µs, p90 %.1f µs; the wakee runs after p50 %.1f µs,"
                            + " p90 %.1f µs%n",
                    gapMicros,
                    call[MEASURED / 2] / 1e3,
                    call[MEASURED * 9 / 10] / 1e3,
                    latency[MEASURED / 2] / 1e3,
                    latency[MEASURED * 9 / 10] / 1e3);
        }
    }
}
