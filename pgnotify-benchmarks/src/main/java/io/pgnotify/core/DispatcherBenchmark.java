package io.pgnotify.core;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Notifications per second through the {@link Dispatcher}, without a database: the benchmark thread plays the listener
 * thread (it builds each {@link Notification} as {@code Supervisor.deliver} does, then offers it), the dispatcher's own
 * workers run the handlers. One operation is one notification handed to every handler of its channel. Lives in the
 * core's package because the dispatcher is package-private.
 *
 * <pre>{@code
 * java -cp pgnotify-benchmarks/target/pgnotify-benchmarks.jar org.openjdk.jmh.Main DispatcherBenchmark -prof gc
 * }</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class DispatcherBenchmark {

    static final int BURST = 10_000;

    @Param({"1", "100"})
    public int channels;

    @Param({"1", "10"})
    public int handlers;

    /**
     * true: each notification is made as {@code Supervisor.deliver} makes it ({@code new Notification(…, Instant.now())}),
     * so allocation counts pgnotify's whole share beyond the driver's; false: made beforehand, so it counts the
     * dispatcher's own.
     */
    @Param({"true", "false"})
    public boolean fresh;

    /** The notifier's defaults, as an application gets them. */
    @Param({"100"})
    public int bufferSize;

    private final AtomicLong handled = new AtomicLong();
    private String[] names;
    private Dispatcher dispatcher;
    private long expected;
    private Notification[] made;

    @Setup(Level.Trial)
    public void start() {
        Settings settings = Notifier.builder(
                        ConnectionProvider.of("jdbc:postgresql://127.0.0.1:1/none", "none", null)) // never connects
                .name("bench")
                .applicationName("bench")
                .callbackTimeout(Duration.ofSeconds(30))
                .bufferSize(bufferSize)
                .overflowPolicy(OverflowPolicy.BLOCK)
                .listener(new NotifierListener() {})
                .settings();
        Subscriptions subscriptions = new Subscriptions();
        names = new String[channels];
        for (int c = 0; c < channels; c++) {
            names[c] = "channel_" + c;
            subscriptions.add(names[c], n -> handled.incrementAndGet());
            for (int h = 1; h < handlers; h++) {
                Sink sink = new Sink();
                subscriptions.add(names[c], n -> sink.last = n.pid());
            }
        }
        made = new Notification[BURST];
        for (int i = 0; i < BURST; i++) {
            made[i] = new Notification(names[i % channels], "payload", 4242, Instant.now());
        }
        dispatcher =
                new Dispatcher(settings, subscriptions, new SafeListener(settings.listener(), "bench"), runnable -> {
                    Thread thread = new Thread(runnable, "pgnotify-bench-worker");
                    thread.setDaemon(true);
                    return thread;
                });
    }

    @TearDown(Level.Trial)
    public void stop() {
        dispatcher.drain(System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
    }

    /** Offers a burst and returns once every handler has seen all of it. */
    @Benchmark
    @OperationsPerInvocation(BURST)
    public long burst() throws InterruptedException {
        for (int i = 0; i < BURST; i++) {
            // As Supervisor.deliver: one Notification and one Instant per notification read.
            dispatcher.offer(fresh ? new Notification(names[i % channels], "payload", 4242, Instant.now()) : made[i]);
        }
        expected += BURST;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (handled.get() < expected) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("handled " + handled.get() + " of " + expected);
            }
            LockSupport.parkNanos(20_000);
        }
        return handled.get();
    }

    /** Where the extra handlers write, so their work is not optimised away. */
    static final class Sink {
        int last;
    }
}
