package io.pgnotify.core;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * A session's watcher: while notifications flow, one worker that neither reads nor runs a lane wakes every tick (the
 * mean time between two notifications read, 1 to 10 ms) to see whether the reading thread has been running a handler
 * for a tick or more. Then it takes the reading over; otherwise it does nothing. The reading thread can then run a
 * short handler itself without waking a worker first ({@code LockSupport.unpark} of an idle thread costs the caller 7
 * to 38 µs on a VM: docs/benchmarks.md), since a slow one holds the reading at most about a tick. Nobody wakes the
 * watcher per notification: it is off the handler's path. A follower starts watching only once the reading thread
 * has handed over a lane it could have run inline, and with no notification read, or none run inline, for
 * {@link #IDLE_NANOS} the watcher goes back to the pool: no ticks at idle, nor for handlers that are never short.
 *
 * <p>The reading thread and the watcher share three values: {@link #inlineSince} (when the reading thread began running
 * a lane while it gave up the reading, 0 when it does not), {@link #active} (whether a watcher watches), and the
 * session's reading flag. The reading thread publishes {@code inlineSince} before it reads {@code active}, and only
 * runs a lane inline when it sees a watcher; a watcher that retires clears {@code active} before it reads
 * {@code inlineSince} again. All are volatile (sequentially consistent), so of two such races at least one side sees
 * the other's write (Dekker): either the reading thread sees no watcher and wakes a follower as without one, or the
 * retiring watcher sees the run and stays, or takes the reading over. No inline run is left without a watcher.
 *
 * <p>On with the notifier's own threads; {@link LaneWorkers#WATCHER_PROPERTY} {@code false} turns it off (read when the
 * workers are built).
 */
final class ReadingWatcher {

    /**
     * How often the watcher looks, and so about the longest a slow handler run inline holds up the reading: the mean
     * time between two notifications read, within these bounds. One tick per notification costs about what the
     * wake-up it replaces did, so the watcher never costs more CPU than waking a follower per notification, and a
     * handler that turns slow holds up the reading for about one notification's time (at most 10 ms; once it turns
     * slow again within {@link #SHORT_STREAK} calls, its lane runs on workers until it has made that many short calls
     * in a row).
     */
    static final long MIN_TICK_NANOS = 1_000_000;

    static final long MAX_TICK_NANOS = 10_000_000;

    /** With no notification read for this long, the watcher retires. */
    static final long IDLE_NANOS = 100_000_000;

    /** A handler call shorter than this counts as short. */
    static final long SHORT_NANOS = 50_000;

    /**
     * A lane with two slow calls within this many runs on workers until it has made this many short calls in a row:
     * a handler that turns slow every few calls would otherwise hold up the reading each time (MixedHandlers,
     * docs/benchmarks.md). A lone slow call (a cold first call, a preempted thread) does not count, so it does not
     * cost this many wake-ups; one slow call in more than this many costs one hold-up per slow call at most.
     */
    static final int SHORT_STREAK = 64;

    private final AtomicBoolean reading;
    private final BooleanSupplier over;
    private final AtomicBoolean active = new AtomicBoolean();
    private final AtomicLong inlineSince = new AtomicLong();
    private volatile long lastRead = System.nanoTime();
    // When the reading thread last ran a lane inline: a watcher that has let none run for IDLE_NANOS retires.
    private volatile long lastInline = System.nanoTime();
    // Set when the reading thread handed a short lane over for want of a watcher; a follower that finds the reading
    // taken starts watching only then, so no watcher ticks for lanes that would never run inline.
    private volatile boolean wanted;
    // The mean time between reads (exponential, weight 1/8), within the tick's bounds; the reading thread's write.
    private volatile long tick = MIN_TICK_NANOS;

    /**
     * @param reading the session's reading flag: taken by the thread that reads
     * @param over whether the watcher must stop: the notifier stops, the pool shut down, or the reading loop ended
     */
    ReadingWatcher(AtomicBoolean reading, BooleanSupplier over) {
        this.reading = reading;
        this.over = over;
    }

    /** The reading thread read a notification now. */
    void read(long now) {
        long gap = Math.max(MIN_TICK_NANOS, Math.min(MAX_TICK_NANOS, now - lastRead));
        lastRead = now;
        tick += (gap - tick) / 8;
    }

    /** The current tick: for tests. */
    long tickNanos() {
        return tick;
    }

    /** Whether a watcher watches now: for tests. */
    boolean watched() {
        return active.get();
    }

    /**
     * The reading thread is about to run a lane inline, and keeps the reading until {@link #began}: returns the
     * run's token for {@link #ended}, or 0 when no watcher is active (then it must wake a follower as usual).
     */
    long beginInline() {
        long now = System.nanoTime();
        long since = now == 0 ? 1 : now; // 0 means none
        inlineSince.set(since); // first publish the run (Dekker: write, then read the other side's flag)
        if (active.get()) {
            return since;
        }
        inlineSince.compareAndSet(since, 0);
        return 0;
    }

    /** The inline run of {@link #beginInline} takes place. */
    void runsInline(long since) {
        lastInline = since;
    }

    /**
     * The reading thread handed over a lane it could have run inline under a watcher's eye, had one watched: the
     * next follower that finds the reading taken watches.
     */
    void wanted() {
        wanted = true;
    }

    /** The inline run of {@link #beginInline} ended, or did not take place. */
    void ended(long since) {
        // Only this run's: the watcher may have taken the reading over, and the next reader begun a run of its own.
        inlineSince.compareAndSet(since, 0);
    }

    /**
     * Called by a follower that found the reading taken: watches if a watcher is {@link #wanted} and no other
     * watches. Returns {@code true} when it took the reading over (the caller then reads), {@code false} when it
     * retired, was not wanted, or another watches.
     */
    boolean watch() {
        if (!wanted || !active.compareAndSet(false, true)) {
            return false;
        }
        wanted = false;
        long started = System.nanoTime();
        while (true) {
            // An interrupt meant for a handler this thread ran must not turn the ticks into a spin.
            Thread.interrupted();
            long tick = this.tick;
            LockSupport.parkNanos(this, tick);
            if (over.getAsBoolean()) {
                active.set(false); // stopping: the reading thread wakes followers again, which find the loop ended
                return false;
            }
            long now = System.nanoTime();
            long since = inlineSince.get();
            if (since != 0 && now - since >= tick && takeOver(since)) {
                return true;
            }
            // Idle: no notification read, or none run inline (the lanes are not short), for IDLE_NANOS.
            if (now - lastRead >= IDLE_NANOS || (now - lastInline >= IDLE_NANOS && now - started >= IDLE_NANOS)) {
                active.set(false);
                // Dekker, the watcher's side: after clearing `active`, a run published before the reading thread read
                // it is visible here. Such a run must not be left unwatched: take the reading, or stay.
                since = inlineSince.get();
                if (since == 0) {
                    return false;
                }
                if (takeOver(since)) {
                    return true;
                }
                if (!active.compareAndSet(false, true)) {
                    return false; // another follower watches already
                }
            }
        }
    }

    /** Takes the reading the inline runner gave up; not while it still holds it (it is about to give it up). */
    private boolean takeOver(long since) {
        if (!reading.get() && reading.compareAndSet(false, true)) {
            // This thread reads now; a reader sees no watcher until a follower becomes the next one. The run no
            // longer holds up the reading: forgotten, so that a handler stuck in it does not keep the next watcher
            // from retiring (its own end() then finds nothing to clear).
            inlineSince.compareAndSet(since, 0);
            active.set(false);
            return true;
        }
        return false;
    }
}
