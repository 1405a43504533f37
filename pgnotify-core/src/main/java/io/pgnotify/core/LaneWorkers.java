package io.pgnotify.core;

import java.util.ArrayDeque;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a {@link Dispatcher}'s lanes get threads: at most {@code maxWorkers}, each running one lane at a time, a batch of
 * its notifications, then the next lane waiting for a worker. A lane is never run by two threads at once.
 *
 * <p>Every field but the pool is guarded by the dispatcher's lock.
 */
final class LaneWorkers {

    private static final Logger log = LoggerFactory.getLogger(Notifier.class);

    /** A lane gives its worker back after this many notifications, so busy lanes share the workers. */
    private static final int BATCH = 64;

    private final Dispatcher dispatcher;
    private final Settings settings;
    private final NotifierListener hooks;
    final ThreadPoolExecutor pool;
    // Scheduled lanes waiting for a free worker, in order.
    private final ArrayDeque<Lane> ready = new ArrayDeque<>();
    // Workers woken to take a lane from `ready` that have not taken one yet. While one is on its way no other is
    // woken: waking a worker per idle lane cost a park and unpark per notification on many channels, 18x slower than
    // letting busy workers take the next lane (docs/benchmarks.md, dispatch overhead).
    private int searching;
    private final Runnable pull = () -> work(null);
    // The longest a worker that ran out of lanes spins for the next one before it parks (see spinBudget).
    private final long maxSpinNanos;
    // Guarded by lock: a worker is spinning for the next lane (it counts in `searching`, so none is woken for it).
    private boolean spinning;
    // Set when a lane is queued while a worker spins, so that it sees the lane without taking the lock.
    private volatile boolean readyForSpinner;
    // Guarded by lock: when the last lane was scheduled, and a moving average of the gaps between schedulings.
    private long lastScheduled;
    private long averageGap = Long.MAX_VALUE / 4;

    LaneWorkers(Dispatcher dispatcher, Settings settings, NotifierListener hooks, ThreadFactory threads) {
        this.dispatcher = dispatcher;
        this.settings = settings;
        this.hooks = hooks;
        // No core threads and a hand-off queue: a lane goes to the most recently idle worker, and a thread is started
        // only when none is idle (a fixed pool would start a thread per submit up to its size, one per notification
        // at low rates: docs/benchmarks.md). Lanes wait in `ready`; a woken worker takes the first (see `searching`).
        this.pool = new ThreadPoolExecutor(
                0, settings.maxWorkers(), 30, TimeUnit.SECONDS, new SynchronousQueue<>(), threads, (lane, p) -> {
                    throw new RejectedExecutionException();
                });
        this.maxSpinNanos = TimeUnit.MICROSECONDS.toNanos(Long.getLong(SPIN_PROPERTY, DEFAULT_SPIN_MICROS));
    }

    /**
     * An experimental setting: the longest spin, in microseconds (300 was measured). Off by default: on this project's
     * 2-vCPU machines it took 15 to 75 % more process CPU at 5,000/s for a few microseconds of hand-off, and it cannot
     * help below about 3,000/s, where the next notification comes after any affordable spin (docs/benchmarks.md).
     */
    static final String SPIN_PROPERTY = "pgnotify.dispatch.spin-micros";

    private static final long DEFAULT_SPIN_MICROS = 0;

    /** Queues a scheduled lane and wakes a worker unless one is already on its way. Called with the lock held. */
    void schedule(Lane lane) {
        if (pool.isShutdown()) {
            return; // shutdown passed its deadline: buffered notifications are abandoned
        }
        long now = System.nanoTime();
        long gap = now - lastScheduled;
        lastScheduled = now;
        averageGap += (gap - averageGap) / 8;
        ready.addLast(lane);
        if (spinning) {
            readyForSpinner = true;
        } else {
            wakeIfNoneSearching();
        }
    }

    private void wakeIfNoneSearching() {
        if (searching == 0 && !ready.isEmpty() && !pool.isShutdown()) {
            try {
                pool.execute(pull);
                searching++;
            } catch (RejectedExecutionException e) {
                // every worker is busy: each takes a waiting lane when it finishes its own
            }
        }
    }

    /**
     * Hands waiting lanes to workers that went idle just before those lanes were queued. Called by the watchdog with
     * the lock held.
     */
    void handOutReady() {
        while (!ready.isEmpty() && !pool.isShutdown()) {
            Lane lane = ready.peekFirst();
            try {
                pool.execute(() -> work(lane));
                ready.pollFirst();
            } catch (RejectedExecutionException e) {
                break; // every worker is busy: each takes a waiting lane when it finishes its own
            }
        }
    }

    /** A worker's loop: runs the lane it was given (or the first waiting one), then lanes waiting for a worker. */
    private void work(@Nullable Lane first) {
        Lane lane = first;
        if (lane == null) {
            dispatcher.lock.lock();
            try {
                searching--;
                lane = ready.pollFirst();
                wakeIfNoneSearching(); // more lanes wait: another worker, so none waits behind a slow handler
            } finally {
                dispatcher.lock.unlock();
            }
        }
        while (lane != null) {
            while (lane != null) {
                lane = runLane(lane);
            }
            lane = spinForNext();
        }
    }

    /**
     * Waking a parked worker costs the listener thread a futex call and the handler 20 to 150 µs on a VM, most of the
     * hand-off. With a spin budget ({@link #SPIN_PROPERTY}), a worker that ran out of lanes while notifications arrive
     * closer together than the budget spins briefly for the next one before it parks; only one worker spins at a
     * time, and none when traffic is sparse or absent, so an idle notifier uses no more CPU.
     *
     * @return the lane queued meanwhile, or {@code null} to park
     */
    private @Nullable Lane spinForNext() {
        if (maxSpinNanos == 0) {
            return null; // spinning is off: no lock taken
        }
        long budget;
        dispatcher.lock.lock();
        try {
            budget = spinning || dispatcher.abandoned() || pool.isShutdown() ? 0 : spinBudget();
            if (budget == 0) {
                return null;
            }
            spinning = true;
            searching++;
        } finally {
            dispatcher.lock.unlock();
        }
        long end = System.nanoTime() + budget;
        while (!readyForSpinner && System.nanoTime() - end < 0) {
            Thread.onSpinWait();
        }
        dispatcher.lock.lock();
        try {
            spinning = false;
            readyForSpinner = false;
            searching--;
            Lane lane = ready.pollFirst();
            wakeIfNoneSearching(); // more lanes wait: another worker
            return lane;
        } finally {
            dispatcher.lock.unlock();
        }
    }

    /** How long to spin, with the lock held: long enough for the next arrival at the recent rate, else not at all. */
    private long spinBudget() {
        long gap = averageGap;
        if (maxSpinNanos == 0 || gap > maxSpinNanos || System.nanoTime() - lastScheduled > maxSpinNanos) {
            return 0;
        }
        return Math.min(maxSpinNanos, 2 * gap);
    }

    /**
     * Runs up to a batch of a lane's notifications; returns the lane this worker should run next, if any. One lock
     * acquisition per notification: ending a call and taking the next share it.
     */
    private @Nullable Lane runLane(Lane lane) {
        Notification handled = null;
        long startedAt = 0;
        Throwable error = null;
        for (int i = 1; ; i++) {
            Notification next = null;
            Lane then = null;
            Lane.Ended ended = null;
            long nextStart = 0;
            dispatcher.lock.lock();
            try {
                if (handled != null) {
                    ended = dispatcher.ended(lane);
                }
                Lane.Pending pending = dispatcher.abandoned() || lane.removed ? null : lane.queue.peekFirst();
                if (pending == null) {
                    dispatcher.laneIdle(lane);
                    then = ready.pollFirst();
                } else if (i > BATCH && !ready.isEmpty()) {
                    ready.addLast(lane); // a busy lane gives way to the lanes waiting for a worker
                    then = ready.pollFirst();
                } else {
                    lane.queue.pollFirst();
                    dispatcher.release(pending);
                    next = pending.notification;
                    nextStart = lane.begin(next);
                }
            } finally {
                dispatcher.lock.unlock();
            }
            if (handled != null) {
                report(lane, handled, startedAt, error, ended);
            }
            if (next == null) {
                return then;
            }
            if (i > BATCH) {
                i = 1;
            }
            handled = next;
            startedAt = nextStart;
            error = null;
            try {
                lane.handler().handle(next);
            } catch (Throwable t) {
                error = t;
            }
        }
    }

    private void report(
            Lane lane, Notification notification, long startedAt, @Nullable Throwable error, Lane.Ended ended) {
        switch (ended) {
            case IN_TIME -> {
                if (error != null) {
                    hooks.onError(error, lane.channel());
                }
                hooks.onHandled(notification, lane.handler(), System.nanoTime() - startedAt, error);
            }
            case LATE -> {} // its timeout was reported when it passed
            case QUARANTINE_LIFTED ->
                log.info(
                        "[{}] a stuck handler on channel '{}' returned; its subscription takes notifications again",
                        settings.name(),
                        lane.channel());
        }
    }
}
