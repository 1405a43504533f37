package io.pgnotify.core;

import java.util.ArrayDeque;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * How a {@link Dispatcher}'s lanes get threads: at most {@code maxWorkers}, each running one lane at a time, a batch of
 * its notifications ({@link LaneRunner}), then the next lane waiting for a worker. A lane is never run by two threads
 * at once.
 *
 * <p>With the notifier's own threads, reading is a role the workers pass on (leader/followers): the reading thread
 * runs the lane of a notification it read itself when the lane was idle, and a waiting worker takes over reading,
 * so the handler does not wait for a parked thread to wake (20 to 150 µs on a VM: docs/benchmarks.md). One thread
 * reads at a time, and at most {@code maxWorkers} run lanes. While notifications flow, the reading thread runs a short
 * handler without waking anyone first, and a watching worker takes the reading over from one that turns slow
 * ({@link ReadingWatcher}).
 *
 * <p>Every field but the pool and the reading thread's claim is guarded by the dispatcher's lock.
 */
final class LaneWorkers {

    private final Dispatcher dispatcher;
    private final Settings settings;
    final ThreadPoolExecutor pool;
    // Scheduled lanes waiting for a free worker, in order.
    private final ArrayDeque<Lane> ready = new ArrayDeque<>();
    private final LaneRunner runner;
    // Workers woken to take a lane from `ready` that have not taken one yet. While one is on its way no other is
    // woken: waking a worker per idle lane cost a park and unpark per notification on many channels, 18x slower than
    // letting busy workers take the next lane (docs/benchmarks.md, dispatch overhead).
    private int searching;
    private final Runnable pull = () -> work(null);
    // Guarded by lock: threads running lanes (reading is not counted); at most maxWorkers.
    private int runners;
    // The reading thread delivering a batch, and the lane it keeps for itself meanwhile (see beginClaim()). Written
    // by that thread only; any other thread that schedules (the listener thread delivering what a lost or closing
    // session read last) is not the claimer, so it never takes or clears the claim.
    private @Nullable Thread claimer;
    private @Nullable Lane claimed;
    // Whether the thread that reads a notification may run its handler (leader/followers, see handOver).
    private final boolean readerRunsHandlers;
    // Whether a watcher lets the reading thread run short handlers without waking a worker (see ReadingWatcher).
    final boolean watching;

    LaneWorkers(Dispatcher dispatcher, Settings settings, NotifierListener hooks, ThreadFactory threads) {
        this.dispatcher = dispatcher;
        this.settings = settings;
        this.runner = new LaneRunner(dispatcher, settings, hooks, ready);
        // No core threads and a hand-off queue: a lane goes to the most recently idle worker, and a thread is started
        // only when none is idle (a fixed pool would start a thread per submit up to its size, one per notification
        // at low rates: docs/benchmarks.md). Lanes wait in `ready`; a woken worker takes the first (see `searching`).
        // With the notifier's own threads, the reading loop runs on a worker too: one more thread than maxWorkers.
        // With a watcher, one more: reader, watcher and maxWorkers running lanes.
        this.readerRunsHandlers = settings.handlerThreads() == null && !Boolean.getBoolean(HAND_OFF_PROPERTY);
        this.watching = readerRunsHandlers && !"false".equals(System.getProperty(WATCHER_PROPERTY));
        this.pool = new ThreadPoolExecutor(
                0,
                settings.maxWorkers() + (readerRunsHandlers ? 1 : 0) + (watching ? 1 : 0),
                30,
                TimeUnit.SECONDS,
                new SynchronousQueue<>(),
                threads,
                (lane, p) -> {
                    throw new RejectedExecutionException();
                });
    }

    /**
     * For measurement only: {@code true} makes the reading thread hand every notification to a worker, as a
     * custom thread factory does, so that both dispatch paths can be measured side by side (docs/benchmarks.md).
     */
    static final String HAND_OFF_PROPERTY = "pgnotify.dispatch.hand-off";

    /**
     * For measurement only: {@code false} turns the watcher off, so that the reading thread wakes a worker before
     * every handler it runs, and both can be measured side by side (see ReadingWatcher, docs/benchmarks.md).
     */
    static final String WATCHER_PROPERTY = "pgnotify.dispatch.watcher";

    /** Queues a scheduled lane and wakes a worker unless one is already on its way. Called with the lock held. */
    void schedule(Lane lane) {
        if (pool.isShutdown()) {
            return; // shutdown passed its deadline: buffered notifications are abandoned
        }
        if (claimer == Thread.currentThread()
                && claimed == null
                && ready.isEmpty()
                && runners < settings.maxWorkers()) {
            claimed = lane; // the reader runs it after its batch, unless no worker can take over reading
            return;
        }
        ready.addLast(lane);
        wakeIfNoneSearching();
    }

    private void wakeIfNoneSearching() {
        if (searching == 0 && !ready.isEmpty() && runners < settings.maxWorkers() && !pool.isShutdown()) {
            try {
                pool.execute(pull);
                searching++;
                runners++;
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
        while (!ready.isEmpty() && runners < settings.maxWorkers() && !pool.isShutdown()) {
            Lane lane = ready.peekFirst();
            try {
                pool.execute(() -> work(lane));
                ready.pollFirst();
                runners++;
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
        try {
            while (lane != null) {
                lane = runner.run(lane);
            }
        } finally {
            dispatcher.lock.lock();
            try {
                runners--;
            } finally {
                dispatcher.lock.unlock();
            }
        }
    }

    /**
     * Starts a session's reading loop on a worker, so that the thread a notification wakes can run its handler (see
     * {@link #handOver}). Called by the listener thread; false when no worker can take it (it then reads itself).
     */
    boolean startReader(Runnable reading) {
        if (!readerRunsHandlers) {
            return false;
        }
        dispatcher.lock.lock();
        try {
            pool.execute(reading);
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        } finally {
            dispatcher.lock.unlock();
        }
    }

    /**
     * From now until {@link #endClaim}, the first lane scheduled while every lane is running or idle is kept for the
     * reading thread instead of waking a worker for it. Called by the reading thread, before it hands a batch over.
     */
    void beginClaim() {
        claimer = readerRunsHandlers ? Thread.currentThread() : null;
    }

    /** The reading loop failed with a lane kept: it goes to a worker as any other. */
    void abandonClaim() {
        dispatcher.lock.lock();
        try {
            releaseClaim();
        } finally {
            dispatcher.lock.unlock();
        }
    }

    /** Ends {@link #beginClaim} of the calling thread; returns the lane kept for it, if any. */
    @Nullable
    Lane endClaim() {
        if (claimer != Thread.currentThread()) {
            return null;
        }
        claimer = null;
        Lane lane = claimed;
        claimed = null;
        return lane;
    }

    /**
     * Gives back the kept lane, before the reader waits for room in the buffer (its lane must run meanwhile). Called
     * by the reading thread with the lock held.
     */
    void releaseClaim() {
        Lane lane = endClaim();
        if (lane != null) {
            ready.addLast(lane);
            wakeIfNoneSearching();
        }
    }

    /**
     * Leader/followers: a worker waiting for work takes over reading ({@code reading}), and the calling thread, which
     * read the notification, runs its lane itself. The handler is entered without waiting for a thread to wake, and
     * reading goes on while it runs. Without a free worker the lane waits for one, as any other.
     *
     * @param reading the next reader's task, or {@code null} when one woken before is still on its way: it takes the
     *     reading when it arrives, and waking another (or starting a thread, when none waits) would cost more
     * @return whether the reading was handed over, so that the caller runs the lane with {@link #run}
     */
    boolean handOver(Lane lane, @Nullable Runnable reading) {
        dispatcher.lock.lock();
        try {
            if (runners < settings.maxWorkers() && !pool.isShutdown()) {
                try {
                    if (reading != null) {
                        pool.execute(reading);
                    }
                    runners++;
                    return true;
                } catch (RejectedExecutionException e) {
                    // every thread is busy: the lane waits for one
                }
            }
            ready.addLast(lane);
            wakeIfNoneSearching();
            return false;
        } finally {
            dispatcher.lock.unlock();
        }
    }

    /**
     * Whether the reading thread may run its kept lane inline while a watcher watches: its recent handler calls were
     * all short ({@link Lane#reliablyShort}) and a worker's place is free (then taken for it, as {@link #handOver}
     * does). Otherwise nothing changes.
     */
    boolean reserveInline(Lane lane) {
        dispatcher.lock.lock();
        try {
            if (!lane.reliablyShort() || runners >= settings.maxWorkers() || pool.isShutdown()) {
                return false;
            }
            runners++;
            return true;
        } finally {
            dispatcher.lock.unlock();
        }
    }

    /** Runs a lane {@link #handOver} kept for the calling thread, then lanes waiting for a worker. */
    void run(Lane lane) {
        work(lane);
    }
}
