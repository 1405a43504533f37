package io.pgnotify.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The protocol between the reading thread and its watcher, played out step by step on real threads: the session and
 * the workers around it are left out so that each interleaving is the one the test names, not one the scheduler picks.
 * The notifier's own tests ({@link NotifierWatcherTests}) run the same protocol against a server.
 */
class ReadingWatcherTests {

    private final AtomicBoolean reading = new AtomicBoolean(true); // the reading thread holds it
    private final AtomicBoolean over = new AtomicBoolean();
    private final ReadingWatcher watcher = new ReadingWatcher(reading, over::get);
    private final ExecutorService followers = Executors.newCachedThreadPool();
    // The follower started last by watching(): what its watch() returns.
    private CompletableFuture<Boolean> watcherResult;

    @AfterEach
    void stop() throws InterruptedException {
        over.set(true);
        followers.shutdown();
        assertThat(followers.awaitTermination(5, TimeUnit.SECONDS))
                .as("watchers stop once over")
                .isTrue();
    }

    /** A follower that found the reading taken, watching on its own thread; returns what {@code watch()} returned. */
    private CompletableFuture<Boolean> watching() {
        watcher.read(System.nanoTime()); // a notification was just read: the watcher is not idle
        watcher.wanted(); // and a short lane was handed over for want of a watcher
        watcherResult = CompletableFuture.supplyAsync(watcher::watch, followers);
        promptly().until(watcher::watched);
        return watcherResult;
    }

    /** Polled at once and often: with no notification read, a watcher retires after 100 ms. */
    private static ConditionFactory promptly() {
        return Awaitility.await()
                .pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(1))
                .atMost(Duration.ofSeconds(5));
    }

    /** Whether a follower that finds the reading taken, on its own thread, watches before it goes back. */
    private boolean followerWatched() {
        CompletableFuture<Boolean> follower = CompletableFuture.supplyAsync(watcher::watch, followers);
        AtomicBoolean seen = new AtomicBoolean();
        promptly().until(() -> {
            seen.compareAndSet(false, watcher.watched());
            return follower.isDone();
        });
        return seen.get() || follower.join();
    }

    /**
     * Begins an inline run under a watcher's eye, as the reading thread does after reading a notification; starts
     * another watcher (then {@link #watcherResult}) if a loaded machine kept this thread away past the idle time and
     * the first retired.
     */
    private long beginWatchedRun() {
        for (int attempt = 1; attempt <= 10; attempt++) {
            watcher.read(System.nanoTime());
            long since = watcher.beginInline();
            if (since != 0) {
                return since;
            }
            watching();
        }
        throw new AssertionError("no watcher stayed long enough for an inline run");
    }

    @Test
    void withNoWatcherTheReadingThreadIsToldToWakeAFollowerAsUsual() {
        assertThat(watcher.beginInline()).as("no watcher: no inline run").isZero();
    }

    @Test
    void aRunThatDoesNotReturnHasItsReadingTakenOverAndDoesNotKeepTheNextWatcherFromRetiring() throws Exception {
        watching();
        long since = beginWatchedRun();
        reading.set(false); // the reading thread gives the reading up for its run, which does not return

        assertThat(watcherResult.get(5, TimeUnit.SECONDS))
                .as("took the reading over")
                .isTrue();
        assertThat(reading).as("the watcher reads now").isTrue();

        // The next follower that finds the reading taken watches. The stuck run no longer holds the reading up, so
        // it must not keep this watcher ticking once notifications stop (none is read from here on).
        CompletableFuture<Boolean> next = watching();
        assertThat(next.get(5, TimeUnit.SECONDS)).as("retired, not taken over").isFalse();
        assertThat(reading).as("the reader still reads").isTrue();
        watcher.ended(since); // the stuck run returns at last: nothing left to clear
        assertThat(watcher.beginInline()).as("no watcher after retiring").isZero();
    }

    @Test
    void aRunThatEndsIsForgottenAndTheWatcherRetiresAtIdle() throws Exception {
        watching();
        // The reading stays taken here, so no take-over can happen whatever the timing; a run left marked would keep
        // the watcher waiting for it to give the reading up, forever.
        long since = beginWatchedRun();
        watcher.ended(since);

        assertThat(watcherResult.get(5, TimeUnit.SECONDS)).as("retired at idle").isFalse();
    }

    @Test
    void aFollowerWatchesOnlyOnceAShortLaneWasHandedOverForWantOfAWatcher() throws Exception {
        watcher.read(System.nanoTime());
        assertThat(followerWatched())
                .as("not wanted: back to the pool without watching")
                .isFalse();

        CompletableFuture<Boolean> watching = watching();
        assertThat(watching.get(5, TimeUnit.SECONDS))
                .as("wanted: watched, then retired at idle")
                .isFalse();
        assertThat(followerWatched())
                .as("the want was used up by the watcher that started")
                .isFalse();
    }

    @Test
    void aWatcherThatLetsNoLaneRunInlineRetiresWhileNotificationsAreRead() throws Exception {
        CompletableFuture<Boolean> watching = watching();
        // Notifications keep coming, but their lanes are not short: each is handed over and none runs inline.
        CompletableFuture<Void> reads = CompletableFuture.runAsync(
                () -> {
                    while (!watching.isDone() && !over.get()) {
                        watcher.read(System.nanoTime());
                        LockSupport.parkNanos(1_000_000);
                    }
                },
                followers);
        assertThat(watching.get(5, TimeUnit.SECONDS)).as("retired").isFalse();
        reads.get(5, TimeUnit.SECONDS);
        assertThat(reading).as("no take-over: the reader reads on").isTrue();
    }

    @Test
    void aLaneSlowTwiceWithinAStreakRunsOnWorkersUntilItHasMadeAStreakOfShortCallsAgain() {
        Lane lane = new Lane(new Subscriptions.Entry("streak", n -> {}, new Subscriptions()));
        assertThat(lane.reliablyShort()).as("never run").isTrue();
        lane.timed(ReadingWatcher.SHORT_NANOS);
        assertThat(lane.reliablyShort())
                .as("one slow call alone, as a cold first call")
                .isTrue();
        for (int i = 1; i < ReadingWatcher.SHORT_STREAK; i++) {
            lane.timed(1_000);
        }
        lane.timed(ReadingWatcher.SHORT_NANOS);
        assertThat(lane.reliablyShort()).as("slow again within a streak").isFalse();

        for (int i = 1; i < ReadingWatcher.SHORT_STREAK; i++) {
            lane.timed(1_000);
            assertThat(lane.reliablyShort()).as("%d short call(s) after it", i).isFalse();
        }
        lane.timed(1_000);
        assertThat(lane.reliablyShort()).as("a whole streak").isTrue();
        lane.timed(ReadingWatcher.SHORT_NANOS);
        assertThat(lane.reliablyShort())
                .as("slow once more, but after a whole streak")
                .isTrue();
    }

    @Test
    void aWatcherStopsWithTheNotifierWhileARunHoldsTheReading() throws Exception {
        watching();
        beginWatchedRun(); // the reading is still held: no take-over possible, and the run never ends
        over.set(true);
        assertThat(watcherResult.get(5, TimeUnit.SECONDS)).as("stopped").isFalse();
    }
}
