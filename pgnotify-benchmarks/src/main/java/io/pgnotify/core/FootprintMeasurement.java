package io.pgnotify.core;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Heap retained per idle channel subscription and per buffered notification, from heap-used deltas after full
 * collections. No database: the notifier is never started, and buffered notifications are offered to the
 * {@link Dispatcher} directly (it is package-private, hence this package) while the channel's handler is held.
 *
 * <pre>{@code
 * for what in subscriptions lanes buffered-block buffered-block-own buffered-drop-oldest buffered-drop-oldest-own; do
 *   for rep in 1 2 3; do
 *     java -XX:+UseSerialGC -Xmx1g -cp pgnotify-benchmarks/target/pgnotify-benchmarks.jar \
 *         io.pgnotify.core.FootprintMeasurement $what $([ ${what%%-*} = buffered ] && echo 100000 || echo 10000)
 *   done
 * done
 * }</pre>
 */
public final class FootprintMeasurement {

    private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();

    private FootprintMeasurement() {}

    public static void main(String[] args) throws Exception {
        String what = args.length > 0 ? args[0] : "subscriptions";
        int count = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
        // A small first pass loads and initialises every class involved, so the measured pass counts only instances.
        measure(what, Math.max(1, count / 100));
        long bytes = measure(what, count);
        System.out.println(row(0, what, count, bytes));
    }

    static long measure(String what, int count) throws InterruptedException {
        String[] names = new String[count];
        for (int i = 0; i < count; i++) {
            names[i] = String.format(Locale.ROOT, "channel_%07d", i); // the application's strings: not counted
        }
        return switch (what) {
            case "subscriptions" -> subscriptions(names, n -> {});
            case "lanes" -> lanes(names);
            case "buffered-block" -> buffered(count, OverflowPolicy.BLOCK, false);
            case "buffered-block-own" -> buffered(count, OverflowPolicy.BLOCK, true);
            case "buffered-drop-oldest" -> buffered(count, OverflowPolicy.DROP_OLDEST, false);
            case "buffered-drop-oldest-own" -> buffered(count, OverflowPolicy.DROP_OLDEST, true);
            default -> throw new IllegalArgumentException("unknown measurement " + what);
        };
    }

    private static String row(int rep, String what, int count, long bytes) {
        return String.format(Locale.ROOT, "| %s | %,d | %.1f |", what, count, bytes / (double) count);
    }

    /** Heap retained by {@code names.length} subscriptions on a notifier that never starts. */
    static long subscriptions(String[] names, NotificationHandler handler) {
        Notifier notifier = Notifier.builder(ConnectionProvider.of("jdbc:postgresql://127.0.0.1:1/none", "none", null))
                .name("footprint")
                .build();
        long before = used();
        for (String name : names) {
            notifier.subscribe(name, handler);
        }
        long after = used();
        if (notifier.channels().size() != names.length) {
            throw new IllegalStateException("subscriptions missing");
        }
        notifier.close();
        return after - before;
    }

    /** Heap retained by subscriptions plus the lane each channel keeps once a notification has passed. */
    static long lanes(String[] names) throws InterruptedException {
        AtomicLong handled = new AtomicLong();
        Subscriptions subscriptions = new Subscriptions();
        Dispatcher dispatcher = dispatcher(subscriptions, 100, OverflowPolicy.BLOCK);
        NotificationHandler handler = n -> handled.incrementAndGet();
        long before = used();
        for (String name : names) {
            subscriptions.add(name, handler);
        }
        for (int i = 0; i < names.length; i++) {
            dispatcher.offer(new Notification(names[i], "", 1, Instant.EPOCH));
        }
        await(handled, names.length);
        long after = used();
        dispatcher.drain(System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
        return after - before;
    }

    /** Heap retained by {@code count} notifications waiting behind a held handler. */
    static long buffered(int count, OverflowPolicy policy, boolean madeBeforehand) throws InterruptedException {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch entered = new CountDownLatch(1);
        AtomicLong handled = new AtomicLong();
        Subscriptions subscriptions = new Subscriptions();
        subscriptions.add("held", n -> {
            entered.countDown();
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            handled.incrementAndGet();
        });
        Dispatcher dispatcher = dispatcher(subscriptions, count + 1, policy);
        dispatcher.offer(new Notification("held", "first", 1, Instant.now()));
        entered.await(10, TimeUnit.SECONDS);
        Notification[] made = null;
        if (madeBeforehand) {
            made = new Notification[count];
            for (int i = 0; i < count; i++) {
                made[i] = new Notification("held", String.format(Locale.ROOT, "%016d", i), 1, Instant.now());
            }
        }
        long before = used();
        for (int i = 0; i < count; i++) {
            dispatcher.offer(
                    made != null
                            ? made[i]
                            : new Notification("held", String.format(Locale.ROOT, "%016d", i), 1, Instant.now()));
        }
        long after = used();
        if (dispatcher.buffered() != count) {
            throw new IllegalStateException("buffered " + dispatcher.buffered() + " of " + count);
        }
        release.countDown();
        await(handled, count + 1L);
        dispatcher.drain(System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
        return after - before;
    }

    private static Dispatcher dispatcher(Subscriptions subscriptions, int bufferSize, OverflowPolicy policy) {
        Settings settings = Notifier.builder(
                        ConnectionProvider.of("jdbc:postgresql://127.0.0.1:1/none", "none", null)) // never connects
                .name("footprint")
                .applicationName("footprint")
                .callbackTimeout(Duration.ofSeconds(60))
                .bufferSize(bufferSize)
                .overflowPolicy(policy)
                .listener(new NotifierListener() {})
                .settings();
        return new Dispatcher(settings, subscriptions, new SafeListener(settings.listener(), "footprint"), r -> {
            Thread thread = new Thread(r, "pgnotify-footprint-worker");
            thread.setDaemon(true);
            return thread;
        });
    }

    private static void await(AtomicLong counter, long expected) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (counter.get() < expected && System.nanoTime() < deadline) {
            LockSupport.parkNanos(1_000_000);
        }
    }

    /** Heap in use after collections settle. */
    static long used() {
        long previous = Long.MAX_VALUE;
        for (int i = 0; i < 10; i++) {
            System.gc();
            long now = MEMORY.getHeapMemoryUsage().getUsed();
            if (Math.abs(previous - now) < 1024) {
                return now;
            }
            previous = now;
        }
        return previous;
    }
}
