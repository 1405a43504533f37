package io.pgnotify.core;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands notifications from the listener thread to handlers on worker threads.
 *
 * <p>Each channel has a {@link Lane}: a queue run by at most one worker at a time, so a channel's handlers see its
 * notifications one at a time and in order, while different channels run in parallel. All lanes share one bound,
 * {@code bufferSize} notifications waiting, enforced by the {@link OverflowPolicy}.
 */
final class Dispatcher {

    private static final Logger log = LoggerFactory.getLogger(Notifier.class);

    /** A lane gives its worker back after this many notifications, so busy channels share the workers. */
    private static final int BATCH = 64;

    private final Settings settings;
    private final Subscriptions subscriptions;
    private final NotifierListener hooks;
    private final ThreadPoolExecutor workers;
    private final long timeoutNanos;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notFull = lock.newCondition();
    private final Condition idle = lock.newCondition();
    // Guarded by lock.
    private final HashMap<String, Lane> lanes = new HashMap<>();
    // Guarded by lock; arrival order across lanes, kept only for DROP_OLDEST.
    private final @Nullable ArrayDeque<Arrival> arrivals;
    // Guarded by lock: scheduled lanes waiting for a free worker, in order.
    private final ArrayDeque<Lane> ready = new ArrayDeque<>();
    // Guarded by lock: workers woken to take a lane from `ready` that have not taken one yet. While one is on its way
    // no other is woken: waking a worker per idle lane cost a park and unpark per notification on many channels, 18x
    // slower than letting busy workers take the next lane (docs/benchmarks.md, dispatch overhead).
    private int searching;
    private final Runnable pull = () -> work(null);
    // Guarded by lock.
    private int buffered;
    // Guarded by lock: lanes handed to a worker and not yet idle.
    private int scheduled;

    private volatile boolean stopping;
    // Set when shutdown's deadline passed: workers take no further notification, so every thread can end.
    private volatile boolean abandoned;

    Dispatcher(Settings settings, Subscriptions subscriptions, NotifierListener hooks, ThreadFactory threads) {
        this.settings = settings;
        this.subscriptions = subscriptions;
        this.hooks = hooks;
        this.timeoutNanos = settings.callbackTimeout().toNanos();
        this.arrivals = settings.overflowPolicy() == OverflowPolicy.DROP_OLDEST ? new ArrayDeque<>() : null;
        // No core threads and a hand-off queue: a lane goes to the most recently idle worker, and a thread is started
        // only when none is idle (a fixed pool would start a thread per submit up to its size, one per notification
        // at low rates: docs/benchmarks.md). Lanes wait in `ready`; a woken worker takes the first (see `searching`).
        this.workers = new ThreadPoolExecutor(
                0, settings.maxWorkers(), 30, TimeUnit.SECONDS, new SynchronousQueue<>(), threads, (lane, pool) -> {
                    throw new RejectedExecutionException();
                });
    }

    /**
     * Buffers a notification for its channel's handlers. Called only by the listener thread. Under
     * {@link OverflowPolicy#BLOCK} waits for room; once shutdown has begun it stops waiting and buffers anyway, so
     * nothing already read is lost.
     */
    void offer(Notification notification) throws InterruptedException {
        Notification dropped = null;
        lock.lockInterruptibly();
        try {
            if (buffered >= settings.bufferSize()) {
                switch (settings.overflowPolicy()) {
                    case BLOCK -> {
                        while (buffered >= settings.bufferSize() && !stopping) {
                            notFull.await();
                        }
                    }
                    case DROP_NEWEST -> dropped = notification;
                    case DROP_OLDEST -> dropped = dropOldest();
                }
            }
            if (dropped != notification) {
                enqueue(notification);
            }
        } finally {
            lock.unlock();
        }
        if (dropped != null) {
            hooks.onDrop(dropped);
        }
    }

    private void enqueue(Notification notification) {
        Lane lane = lanes.get(notification.channel());
        if (lane == null) {
            lane = new Lane(notification.channel());
            lanes.put(notification.channel(), lane);
        }
        lane.queue.addLast(notification);
        buffered++;
        if (arrivals != null) {
            arrivals.addLast(new Arrival(lane, lane.enqueued));
            if (arrivals.size() > 2 * settings.bufferSize() + 16) {
                arrivals.removeIf(a -> a.sequence < a.lane.taken);
            }
        }
        lane.enqueued++;
        if (!lane.scheduled) {
            lane.scheduled = true;
            scheduled++;
            schedule(lane);
        }
    }

    /** Queues a scheduled lane and wakes a worker unless one is already on its way. Called with the lock held. */
    private void schedule(Lane lane) {
        if (workers.isShutdown()) {
            return; // shutdown passed its deadline: buffered notifications are abandoned
        }
        ready.addLast(lane);
        wakeIfNoneSearching();
    }

    private void wakeIfNoneSearching() {
        if (searching == 0 && !ready.isEmpty() && !workers.isShutdown()) {
            try {
                workers.execute(pull);
                searching++;
            } catch (RejectedExecutionException e) {
                // every worker is busy: each takes a waiting lane when it finishes its own
            }
        }
    }

    /** A worker's loop: runs the lane it was given (or the first waiting one), then lanes waiting for a worker. */
    private void work(@Nullable Lane first) {
        Lane lane = first;
        if (lane == null) {
            lock.lock();
            try {
                searching--;
                lane = ready.pollFirst();
                wakeIfNoneSearching(); // more lanes wait: another worker, so none waits behind a slow handler
            } finally {
                lock.unlock();
            }
        }
        while (lane != null) {
            lane = runLane(lane);
        }
    }

    private @Nullable Notification dropOldest() {
        // The oldest arrival still waiting is at the head of its own lane: lanes are FIFO, arrivals in order.
        while (!arrivals.isEmpty()) {
            Arrival oldest = arrivals.pollFirst();
            if (oldest.sequence == oldest.lane.taken && !oldest.lane.queue.isEmpty()) {
                oldest.lane.taken++;
                buffered--;
                return oldest.lane.queue.pollFirst();
            }
        }
        return null;
    }

    /** Runs up to a batch of a lane's notifications; returns the lane this worker should run next, if any. */
    private @Nullable Lane runLane(Lane lane) {
        int generation = lane.generation;
        lane.runner = Thread.currentThread();
        for (int i = 0; i < BATCH; i++) {
            Notification notification;
            lock.lock();
            try {
                notification = abandoned ? null : lane.queue.pollFirst();
                if (notification == null) {
                    laneIdle(lane);
                    return ready.pollFirst();
                }
                lane.taken++;
                buffered--;
                notFull.signal();
            } finally {
                lock.unlock();
            }
            for (Subscriptions.Entry entry : subscriptions.handlers(lane.channel)) {
                if (entry.active && !invoke(lane, generation, entry.handler, notification)) {
                    return null; // the watchdog gave this lane to another worker
                }
            }
        }
        lock.lock();
        try {
            if (abandoned) {
                laneIdle(lane);
                return null;
            }
            if (ready.isEmpty()) {
                return lane;
            }
            // A busy channel gives way to the lanes waiting for a worker.
            ready.addLast(lane);
            return ready.pollFirst();
        } finally {
            lock.unlock();
        }
    }

    /** Runs one handler; false when it overran and the lane has moved on without this thread. */
    private boolean invoke(Lane lane, int generation, NotificationHandler handler, Notification notification) {
        long start = lane.begin(handler, notification);
        Throwable error = null;
        try {
            handler.handle(notification);
        } catch (Throwable t) {
            error = t;
        }
        if (!lane.end(generation)) {
            return false;
        }
        if (error != null) {
            hooks.onError(error, lane.channel);
        }
        hooks.onHandled(notification, handler, System.nanoTime() - start, error);
        return true;
    }

    private void laneIdle(Lane lane) {
        lane.scheduled = false;
        lane.runner = null;
        scheduled--;
        if (!subscriptions.has(lane.channel)) {
            lanes.remove(lane.channel);
        }
        if (scheduled == 0 && buffered == 0) {
            idle.signalAll();
        }
    }

    /**
     * Called by the watchdog: reports handlers past the callback timeout and moves their lanes on, and hands waiting
     * lanes to workers that went idle just before those lanes were queued.
     */
    void checkTimeouts() {
        long now = System.nanoTime();
        lock.lock();
        try {
            while (!ready.isEmpty() && !workers.isShutdown()) {
                try {
                    workers.execute(ready.peekFirst());
                    ready.pollFirst();
                } catch (RejectedExecutionException e) {
                    break; // every worker is busy: each takes a waiting lane when it finishes its own
                }
            }
            for (Lane lane : lanes.values()) {
                Lane.Overrun overrun = lane.takeOverIfOverrun(now, timeoutNanos);
                if (overrun != null) {
                    overrun.thread().interrupt();
                    HandlerTimeoutException timeout =
                            new HandlerTimeoutException(lane.channel, settings.callbackTimeout());
                    hooks.onError(timeout, lane.channel);
                    hooks.onHandled(overrun.notification(), overrun.handler(), now - overrun.startedAt(), timeout);
                    schedule(lane);
                }
            }
        } catch (RuntimeException e) {
            hooks.onError(e, null); // the watchdog must keep running
        } finally {
            lock.unlock();
        }
    }

    int buffered() {
        lock.lock();
        try {
            return buffered;
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
            workers.shutdown();
        } else {
            abandoned = true;
            int left = buffered();
            if (left > 0) {
                log.warn("[{}] shutdown timeout: {} buffered notification(s) not handled", settings.name(), left);
            }
            workers.shutdownNow();
        }
        // Handlers that ignore interruption get a short grace after the deadline.
        long grace = Math.max(deadline, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200));
        return Notifier.awaitTermination(workers, grace) && drained;
    }

    /** A pending notification's place in arrival order: its lane and its sequence number within the lane. */
    private record Arrival(Lane lane, long sequence) {}

    /** One channel's queue and the state of the handler it is running, for the watchdog. */
    private final class Lane implements Runnable {
        final String channel;
        final ArrayDeque<Notification> queue = new ArrayDeque<>();
        // Guarded by the dispatcher's lock.
        boolean scheduled;
        long enqueued;
        long taken;

        // Guarded by this lane's monitor: the handler running now.
        private int generationGuarded;
        private long startedAtGuarded;
        volatile int generation;
        volatile @Nullable Thread runner;
        private @Nullable NotificationHandler handler;
        private @Nullable Notification current;

        Lane(String channel) {
            this.channel = channel;
        }

        @Override
        public void run() {
            work(this);
        }

        /** Marks a handler as running, for the watchdog; returns its start time. */
        synchronized long begin(NotificationHandler handler, Notification notification) {
            this.handler = handler;
            this.current = notification;
            this.runner = Thread.currentThread();
            long now = System.nanoTime();
            startedAtGuarded = now == 0 ? 1 : now; // 0 means idle
            return startedAtGuarded;
        }

        /** Ends the running handler; false if the watchdog took the lane over meanwhile. */
        synchronized boolean end(int expectedGeneration) {
            if (generationGuarded != expectedGeneration) {
                return false;
            }
            startedAtGuarded = 0;
            handler = null;
            current = null;
            return true;
        }

        synchronized @Nullable Overrun takeOverIfOverrun(long now, long timeoutNanos) {
            if (startedAtGuarded == 0 || now - startedAtGuarded < timeoutNanos) {
                return null;
            }
            Overrun overrun = new Overrun(runner, handler, current, startedAtGuarded);
            generationGuarded++;
            generation = generationGuarded;
            startedAtGuarded = 0;
            handler = null;
            current = null;
            return overrun;
        }

        record Overrun(Thread thread, NotificationHandler handler, Notification notification, long startedAt) {}
    }
}
