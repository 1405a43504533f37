package io.pgnotify.core;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How other threads reach the listener thread: wake it when channels change, wait until a channel is listened to,
 * stop it, wait for it to end and prepare a restart. The listener thread itself uses it to wait out a backoff.
 */
final class ListenerControl {

    private static final Logger log = LoggerFactory.getLogger(Notifier.class);
    private static final String WAKE = "wake";

    private final Supervisor supervisor;
    private final Settings settings;
    private final Subscriptions subscriptions;
    private final AtomicReference<NotifierState> state;
    private final Publisher publisher;
    private final OwnedThreads owned;
    private final String name;
    private final ReentrantLock pauseLock = new ReentrantLock();
    private final Condition pauseOver = pauseLock.newCondition();
    private final Object listenedMonitor = new Object();
    private final AtomicBoolean wakePending = new AtomicBoolean();
    private volatile boolean stopping;
    // When stop() found it listening (0: it was not); a restart counts its gap from then.
    private volatile long stoppedWhileListeningAt;
    // One of each per run: a restart brings new ones.
    private volatile Dispatcher dispatcher;
    private volatile ExecutorService prober;

    ListenerControl(
            Supervisor supervisor,
            Settings settings,
            Subscriptions subscriptions,
            AtomicReference<NotifierState> state,
            Publisher publisher,
            OwnedThreads owned,
            Dispatcher dispatcher,
            ExecutorService prober) {
        this.supervisor = supervisor;
        this.settings = settings;
        this.subscriptions = subscriptions;
        this.state = state;
        this.publisher = publisher;
        this.owned = owned;
        this.name = settings.name();
        this.dispatcher = dispatcher;
        this.prober = prober;
    }

    boolean stopping() {
        return stopping;
    }

    Dispatcher dispatcher() {
        return dispatcher;
    }

    ExecutorService prober() {
        return prober;
    }

    /** Called by the listener thread when the listened channels or the state changed: wakes those who wait. */
    void channelsApplied() {
        synchronized (listenedMonitor) {
            listenedMonitor.notifyAll();
        }
    }

    /** Waits out a backoff delay; false when shutdown began meanwhile. */
    boolean pause(Duration delay) {
        long deadline = System.nanoTime() + delay.toNanos();
        pauseLock.lock();
        try {
            long remaining;
            while (!stopping && (remaining = deadline - System.nanoTime()) > 0) {
                pauseOver.awaitNanos(remaining);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            pauseLock.unlock();
        }
        return !stopping;
    }

    /** Called by any thread when the set of channels changed: wakes the listener thread to apply it. */
    void channelsChanged() {
        if (state.get() != NotifierState.LISTENING || !wakePending.compareAndSet(false, true)) {
            return;
        }
        wake(() -> wakePending.set(false));
    }

    /** Wakes the listener thread, e.g. for a rotation. */
    void wakeUp() {
        wake(() -> {});
    }

    private void wake(Runnable before) {
        try {
            prober.execute(() -> {
                before.run();
                try {
                    publisher.publish(supervisor.privateChannel, WAKE);
                } catch (Exception e) {
                    log.debug(
                            "[{}] wake-up failed ({}); the change applies within {} ms",
                            name,
                            e,
                            SessionReader.MAX_WAIT_MILLIS);
                }
            });
        } catch (RejectedExecutionException e) {
            wakePending.set(false);
        }
    }

    /** Waits until a channel is listened to, while the notifier is listening; bounded by the timeout. */
    void awaitListened(String channel, Duration timeout) {
        if (owned.isCurrent()) {
            // Called from a hook or handler of this notifier: waiting here could wait on itself (the listener thread
            // blocked on a full buffer that this very handler drains). The change applies on the loop's next turn.
            return;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (listenedMonitor) {
            while (!supervisor.listened().contains(channel)
                    && subscriptions.has(channel)
                    && supervisor.rejection(channel) == null
                    && state.get() == NotifierState.LISTENING
                    && !stopping) {
                long remaining = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (remaining <= 0) {
                    return;
                }
                try {
                    listenedMonitor.wait(remaining);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Prepares a new run after {@link #stop}, before its thread starts. */
    void restart(Dispatcher dispatcher, ExecutorService prober) {
        this.dispatcher = dispatcher;
        this.prober = prober;
        this.stopping = false;
        this.wakePending.set(false);
        supervisor.restart(stoppedWhileListeningAt);
        stoppedWhileListeningAt = 0;
    }

    /**
     * Begins shutdown: no further connection attempt starts, the dispatcher stops blocking, the thread wakes.
     *
     * @param wasListening whether the notifier was listening, so that a restart announces the gap from now on
     */
    void stop(boolean wasListening) {
        if (wasListening) {
            long now = System.nanoTime();
            stoppedWhileListeningAt = now == 0 ? 1 : now;
        }
        stopping = true;
        pauseLock.lock();
        try {
            pauseOver.signalAll();
        } finally {
            pauseLock.unlock();
        }
        dispatcher.stopBlocking();
        channelsApplied();
        if (supervisor.session() != null) {
            wake(() -> {});
        }
    }

    /** Waits for the listener thread to end; aborts its connection if it does not end soon. */
    boolean awaitExit(Thread listenerThread, long deadline) {
        try {
            long soon = Math.min(
                    deadline, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2 * SessionReader.MAX_WAIT_MILLIS));
            listenerThread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(soon - System.nanoTime())));
            if (listenerThread.isAlive()) {
                for (Session s : new Session[] {supervisor.session(), supervisor.rotations.next()}) {
                    if (s != null) {
                        s.abort();
                    }
                }
                listenerThread.interrupt();
                listenerThread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !listenerThread.isAlive();
    }
}
