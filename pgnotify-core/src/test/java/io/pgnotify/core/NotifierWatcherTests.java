package io.pgnotify.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgnotify.core.Notifiers.Recorder;
import io.pgnotify.testing.TestDatabase;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The watcher (on by default; {@link LaneWorkers#WATCHER_PROPERTY}): while notifications flow, the reading thread runs short handlers
 * itself without waking a worker, and a watching worker takes the reading over from a handler that does not return.
 */
class NotifierWatcherTests {

    private Notifier notifier;

    @AfterEach
    void stop() {
        if (notifier != null) {
            notifier.shutdown(Duration.ofSeconds(10));
        }
    }

    @Test
    void theWatcherIsOnWithTheNotifiersOwnThreadsAndOffWithAFactoryOrThePropertySetToFalse() {
        try (Notifier own = withWatcherProperty(
                        null, () -> Notifier.builder(Notifiers.provider()).build());
                Notifier factory = withWatcherProperty(
                        null,
                        () -> Notifier.builder(Notifiers.provider())
                                .threadFactory(Thread::new)
                                .build());
                Notifier off = withWatcherProperty(
                        "false", () -> Notifier.builder(Notifiers.provider()).build())) {
            assertThat(own.workers().watching).as("own threads, no property").isTrue();
            assertThat(factory.workers().watching).as("a thread factory").isFalse();
            assertThat(off.workers().watching).as("property false").isFalse();
        }
    }

    /** Builds and starts a notifier with the watcher on; the property is read when its workers are built. */
    private static Notifier watched(UnaryOperator<Notifier.Builder> settings) {
        Notifier notifier = withWatcherProperty("true", () -> Notifiers.started(settings));
        assertThat(notifier.workers().watching).isTrue();
        return notifier;
    }

    /** Builds a notifier with the watcher property set to {@code value} ({@code null}: unset), then restores it. */
    private static Notifier withWatcherProperty(@Nullable String value, Supplier<Notifier> build) {
        String before = System.getProperty(LaneWorkers.WATCHER_PROPERTY);
        setWatcherProperty(value);
        try {
            return build.get();
        } finally {
            setWatcherProperty(before);
        }
    }

    private static void setWatcherProperty(@Nullable String value) {
        if (value == null) {
            System.clearProperty(LaneWorkers.WATCHER_PROPERTY);
        } else {
            System.setProperty(LaneWorkers.WATCHER_PROPERTY, value);
        }
    }

    @Test
    void aFastHandlerAtASteadyRateRunsOnTheReadingThreadWithNoWorkerWokenPerNotification() throws Exception {
        notifier = watched(b -> b.name("w-steady"));
        AtomicInteger handled = new AtomicInteger();
        notifier.subscribe("w.steady", n -> handled.incrementAndGet());
        long tasksBefore = notifier.workers().pool.getTaskCount();

        for (int i = 1; i <= 500; i++) {
            notifier.publish("w.steady", Integer.toString(i));
            LockSupport.parkNanos(1_000_000); // the rate, not synchronisation
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> handled.get() == 500);
        // Each wake-up of a worker is a task given to the pool: a handful to start the watcher, and one whenever a
        // handler preempted by the scheduler let the watcher take the reading over (which moves the reading, and the
        // inline calls, to another worker); not one per notification as without the watcher.
        long tasks = notifier.workers().pool.getTaskCount() - tasksBefore;
        assertThat(tasks).as("workers woken for 500 notifications").isLessThan(100);
    }

    @Test
    void theWatcherTakesTheReadingOverFromAHandlerThatDoesNotReturn() throws Exception {
        notifier = watched(b -> b.name("w-blocked"));
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch entered = new CountDownLatch(1);
        AtomicInteger warm = new AtomicInteger();
        notifier.subscribe("w.blocked", n -> {
            if (n.payload().equals("block")) {
                entered.countDown();
                release.await(30, TimeUnit.SECONDS);
            } else {
                warm.incrementAndGet();
            }
        });
        Recorder flowing = new Recorder();
        notifier.subscribe("w.flowing", flowing);

        // Fast calls until a watcher watches, so that the blocking call runs inline on the reading thread.
        for (int i = 1; i <= 1000 && watchers("w-blocked") == 0; i++) {
            notifier.publish("w.blocked", "warm");
            LockSupport.parkNanos(1_000_000);
        }
        assertThat(watchers("w-blocked")).as("watchers").isEqualTo(1);
        notifier.publish("w.blocked", "block");
        assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();
        List<String> sent =
                IntStream.rangeClosed(1, 200).mapToObj(Integer::toString).toList();
        notifier.publishAll("w.flowing", sent);

        await().atMost(Duration.ofSeconds(5)).until(() -> flowing.received.size() == 200);
        assertThat(flowing.payloads()).containsExactlyElementsOf(sent);
        // The stuck call no longer holds the reading: it must not keep the next watcher ticking once the flow stops.
        flowUntilWatched("w.flowing", "w-blocked");
        await().atMost(Duration.ofSeconds(2)).until(() -> watchers("w-blocked") == 0);
        release.countDown();
    }

    @Test
    void eachChannelKeepsItsOrderAndAtMostMaxWorkersRunHandlers() throws Exception {
        notifier = watched(b -> b.name("w-order").maxWorkers(2));
        int channels = 4;
        int perChannel = 300;
        Map<String, List<Integer>> seen = new ConcurrentHashMap<>();
        Map<String, AtomicBoolean> inside = new ConcurrentHashMap<>();
        AtomicInteger running = new AtomicInteger();
        AtomicInteger mostRunning = new AtomicInteger();
        List<String> violations = new CopyOnWriteArrayList<>();
        for (int c = 0; c < channels; c++) {
            String channel = "w.order" + c;
            seen.put(channel, new CopyOnWriteArrayList<>());
            inside.put(channel, new AtomicBoolean());
            notifier.subscribe(channel, n -> {
                if (!inside.get(channel).compareAndSet(false, true)) {
                    violations.add(channel + " on two threads");
                }
                mostRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
                int seq = Integer.parseInt(n.payload());
                if (seq % 40 == 0) {
                    Thread.sleep(3); // slow now and then: longer than a tick, and the next call is not run inline
                }
                seen.get(channel).add(seq);
                running.decrementAndGet();
                inside.get(channel).set(false);
            });
        }

        for (int i = 1; i <= perChannel; i++) {
            if (i % 2 == 0) {
                // One transaction: its notifications come in one batch, the reader keeps one lane and queues the rest.
                StringBuilder sql = new StringBuilder("SELECT 1");
                for (int c = 0; c < channels; c++) {
                    sql.append(", pg_notify('w.order")
                            .append(c)
                            .append("', '")
                            .append(i)
                            .append("')");
                }
                TestDatabase.shared().execute(sql.toString());
            } else {
                for (int c = 0; c < channels; c++) {
                    notifier.publish("w.order" + c, Integer.toString(i));
                }
            }
            if (i % 3 == 0) {
                LockSupport.parkNanos(1_000_000); // alternate bursts and gaps
            }
        }

        List<Integer> expected = IntStream.rangeClosed(1, perChannel).boxed().toList();
        await().atMost(Duration.ofSeconds(20))
                .until(() -> seen.values().stream().allMatch(l -> l.size() == perChannel));
        seen.forEach((channel, got) -> assertThat(got).as(channel).containsExactlyElementsOf(expected));
        assertThat(violations).isEmpty();
        assertThat(mostRunning.get()).as("handlers running at once").isLessThanOrEqualTo(2);
    }

    @Test
    void theWatcherRetiresAtIdleAndStopsPromptlyOnShutdown() throws Exception {
        notifier = watched(b -> b.name("w-idle"));
        AtomicInteger handled = new AtomicInteger();
        notifier.subscribe("w.idle", n -> handled.incrementAndGet());

        flowUntilWatched("w.idle", "w-idle");
        // No notification for 100 ms: the watcher goes back to the pool and no longer ticks.
        await().atMost(Duration.ofSeconds(2)).until(() -> watchers("w-idle") == 0);
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> watchers("w-idle") == 0);

        flowUntilWatched("w.idle", "w-idle");
        long start = System.nanoTime();
        assertThat(notifier.shutdown(Duration.ofSeconds(10))).isTrue();
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        notifier = null;

        assertThat(watchers("w-idle")).as("watchers after shutdown").isZero();
        // A few ms here: a watcher that only noticed the idle (100 ms) rather than the stop would hold the pool longer.
        assertThat(tookMillis).as("shutdown with a watcher active, ms").isLessThan(80);
    }

    private void flowUntilWatched(String channel, String name) throws Exception {
        for (int i = 1; i <= 1000 && watchers(name) == 0; i++) {
            notifier.publish(channel, "x");
            LockSupport.parkNanos(1_000_000);
        }
        assertThat(watchers(name)).as("watchers").isEqualTo(1);
    }

    /** Threads of the named notifier now watching (in ReadingWatcher.watch). */
    private static long watchers(String name) {
        return Thread.getAllStackTraces().entrySet().stream()
                .filter(e -> e.getKey().getName().startsWith("pgnotify-" + name + "-worker-"))
                .filter(e -> List.of(e.getValue()).stream()
                        .anyMatch(f -> f.getClassName().equals(ReadingWatcher.class.getName())
                                && f.getMethodName().equals("watch")))
                .count();
    }
}
