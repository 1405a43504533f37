package io.pgnotify.core;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands notifications from the listener thread to handlers on worker threads.
 *
 * <p>Each subscription (one handler on one channel) has a {@link Lane}: a queue run by at most one worker at a time,
 * so every handler sees each of its channel's notifications once, one at a time and in order, independently of the
 * channel's other handlers, while lanes run in parallel on at most {@code maxWorkers} threads. All lanes share one
 * bound, {@code bufferSize} notifications waiting (a notification counts once however many lanes wait for it),
 * enforced by the {@link OverflowPolicy}. Handlers past the callback timeout are dealt with by {@link LaneWatchdog}.
 */
final class Dispatcher {

    private static final Logger log = LoggerFactory.getLogger(Notifier.class);

    private final Settings settings;
    private final Subscriptions subscriptions;
    private final NotifierListener hooks;
    private final LaneWorkers workers;

    final ReentrantLock lock = new ReentrantLock();
    private final Condition notFull = lock.newCondition();
    private final Condition idle = lock.newCondition();
    // Guarded by lock: the lane of each subscription that has had a notification, until it unsubscribes.
    final IdentityHashMap<Subscriptions.Entry, Lane> lanes = new IdentityHashMap<>();
    // Guarded by lock; arrival order of buffered notifications, kept only for DROP_OLDEST.
    private final @Nullable ArrayDeque<Lane.Pending> arrivals;
    // Guarded by lock.
    private int buffered;
    // Guarded by lock: lanes handed to a worker and not yet idle.
    private int scheduled;
    private final LaneWatchdog watchdog;

    private volatile boolean stopping;
    // Set when shutdown's deadline passed: workers take no further notification, so every thread can end.
    private volatile boolean abandoned;

    Dispatcher(Settings settings, Subscriptions subscriptions, NotifierListener hooks, ThreadFactory threads) {
        this.settings = settings;
        this.subscriptions = subscriptions;
        this.hooks = hooks;
        this.arrivals = settings.overflowPolicy() == OverflowPolicy.DROP_OLDEST ? new ArrayDeque<>() : null;
        this.workers = new LaneWorkers(this, settings, hooks, threads);
        this.watchdog = new LaneWatchdog(this, workers, settings, hooks);
        subscriptions.onRemoved(this::removed);
    }

    /**
     * Buffers a notification for its channel's handlers. Called only by the reading thread. Under
     * {@link OverflowPolicy#BLOCK} waits for room; once shutdown has begun it stops waiting and buffers anyway, so
     * nothing already read is lost.
     */
    void offer(Notification notification) throws InterruptedException {
        Notification dropped = null;
        int quarantinedLanes = 0;
        lock.lockInterruptibly();
        try {
            if (buffered >= settings.bufferSize()) {
                switch (settings.overflowPolicy()) {
                    case BLOCK -> {
                        workers.releaseClaim(); // the lane the reader kept runs while it waits
                        while (buffered >= settings.bufferSize() && !stopping) {
                            notFull.await();
                        }
                    }
                    case DROP_NEWEST -> dropped = notification;
                    case DROP_OLDEST -> dropped = dropOldest();
                }
            }
            if (dropped != notification) {
                quarantinedLanes = enqueue(notification);
            }
        } finally {
            lock.unlock();
        }
        if (dropped != null) {
            hooks.onDrop(dropped);
        }
        for (int i = 0; i < quarantinedLanes; i++) {
            hooks.onDrop(notification); // a quarantined subscription does not get it
        }
    }

    /** Queues a notification on each lane of its channel; returns how many quarantined lanes skipped it. */
    private int enqueue(Notification notification) {
        Lane.Pending pending = null;
        int quarantined = 0;
        for (Subscriptions.Entry entry : subscriptions.handlers(notification.channel())) {
            if (!entry.active) {
                continue; // unsubscribing: its lane is being removed
            }
            Lane lane = lanes.get(entry);
            if (lane == null) {
                lane = new Lane(entry);
                lanes.put(entry, lane);
            }
            if (lane.quarantined) {
                quarantined++;
                continue;
            }
            if (pending == null) {
                pending = new Lane.Pending(notification);
            }
            pending.waiting++;
            lane.queue.addLast(pending);
            if (!lane.scheduled) {
                lane.scheduled = true;
                scheduled++;
                workers.schedule(lane);
            }
        }
        if (pending != null) {
            buffered++;
            if (arrivals != null) {
                arrivals.addLast(pending);
                if (arrivals.size() > 2 * settings.bufferSize() + 16) {
                    arrivals.removeIf(p -> p.waiting == 0);
                }
            }
        }
        return quarantined;
    }

    private @Nullable Notification dropOldest() {
        // The oldest notification still waiting is at the head of every lane that waits for it: lanes are FIFO.
        while (!arrivals.isEmpty()) {
            Lane.Pending oldest = arrivals.pollFirst();
            if (oldest.waiting > 0) {
                for (Subscriptions.Entry entry : subscriptions.handlers(oldest.notification.channel())) {
                    Lane lane = lanes.get(entry);
                    if (lane != null && lane.queue.peekFirst() == oldest) {
                        lane.queue.pollFirst();
                    }
                }
                oldest.waiting = 0;
                buffered--;
                return oldest.notification;
            }
        }
        return null;
    }

    /** Frees a lane's hold on a buffered notification. Called with the lock held. */
    void release(Lane.Pending pending) {
        if (--pending.waiting == 0) {
            buffered--;
            notFull.signal();
        }
    }

    /** Drops a lane's backlog, returning what it held. Called with the lock held. */
    List<Notification> clear(Lane lane) {
        List<Notification> dropped = new ArrayList<>(lane.queue.size());
        for (Lane.Pending pending : lane.queue) {
            release(pending);
            dropped.add(pending.notification);
        }
        lane.queue.clear();
        signalIfIdle();
        return dropped;
    }

    /** Marks a lane's call as returned; see {@link LaneWatchdog#ended}. Called with the lock held. */
    Lane.Ended ended(Lane lane) {
        return watchdog.ended(lane);
    }

    boolean abandoned() {
        return abandoned;
    }

    /** A lane has nothing more to run. Called with the lock held. */
    void laneIdle(Lane lane) {
        lane.scheduled = false;
        lane.runner = null;
        scheduled--;
        signalIfIdle();
    }

    private void signalIfIdle() {
        if (scheduled == 0 && buffered == 0) {
            idle.signalAll();
        }
    }

    /** An unsubscribed handler's lane ends: its backlog is released, and it is no longer kept. */
    private void removed(Subscriptions.Entry entry) {
        lock.lock();
        try {
            Lane lane = lanes.remove(entry);
            if (lane != null) {
                lane.removed = true;
                clear(lane);
                watchdog.retire(lane);
            }
        } finally {
            lock.unlock();
        }
    }

    LaneWorkers workers() {
        return workers;
    }

    /** Called by the watchdog: see {@link LaneWatchdog#check()}. */
    void checkTimeouts() {
        watchdog.check();
    }

    int buffered() {
        lock.lock();
        try {
            return buffered;
        } finally {
            lock.unlock();
        }
    }

    /** Handler threads that ignored their interrupt and have not returned. */
    int stuckHandlers() {
        lock.lock();
        try {
            return watchdog.stuck();
        } finally {
            lock.unlock();
        }
    }

    /** Channels with quarantined subscriptions, and how many each. */
    Map<String, Integer> quarantined() {
        lock.lock();
        try {
            Map<String, Integer> quarantined = new TreeMap<>();
            for (Lane lane : lanes.values()) {
                if (lane.quarantined) {
                    quarantined.merge(lane.channel(), 1, Integer::sum);
                }
            }
            return quarantined;
        } finally {
            lock.unlock();
        }
    }

    /** Stops blocking the listener thread: from now on everything read is buffered. */
    void stopBlocking() {
        lock.lock();
        try {
            stopping = true;
            notFull.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until every buffered notification is handled or the deadline passes, then stops the workers,
     * interrupting handlers still running.
     *
     * @return whether all was handled and every worker ended in time
     */
    boolean drain(long deadline) {
        stopBlocking();
        // The last tenth of the time (at most 500 ms) is kept for interrupted handlers to end, so that threads are
        // gone when the timeout is up, not only told to go.
        long reserve = Math.min(Math.max(0, deadline - System.nanoTime()) / 10, TimeUnit.MILLISECONDS.toNanos(500));
        long drainDeadline = deadline - reserve;
        boolean drained = true;
        lock.lock();
        try {
            while (scheduled > 0 || buffered > 0) {
                long remaining = drainDeadline - System.nanoTime();
                if (remaining <= 0) {
                    drained = false;
                    break;
                }
                idle.awaitNanos(remaining);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            drained = false;
        } finally {
            lock.unlock();
        }
        if (drained) {
            workers.pool.shutdown();
        } else {
            abandoned = true;
            int left = buffered();
            if (left > 0) {
                log.warn("[{}] shutdown timeout: {} buffered notification(s) not handled", settings.name(), left);
            }
            workers.pool.shutdownNow();
        }
        // Handlers that ignore interruption get a short grace after the deadline.
        long grace = Math.max(deadline, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200));
        return Notifier.awaitTermination(workers.pool, grace) && drained;
    }
}
