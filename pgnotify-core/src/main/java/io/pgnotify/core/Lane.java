package io.pgnotify.core;

import java.util.ArrayDeque;
import org.jspecify.annotations.Nullable;

/**
 * One subscription's queue (one handler on one channel) and the state of the handler call it is running.
 *
 * <p>A lane is run by at most one thread at a time and never hands its handler to a second thread: a handler that runs
 * past the callback timeout is interrupted and reported, and its lane waits for it to return. While it waits, the
 * lane's notifications stay in the shared buffer; once it has been stuck for the stuck budget (that many callback
 * timeouts), the lane is quarantined: its backlog and every notification for it are dropped and announced until the
 * stuck call returns, which ends the quarantine.
 *
 * <p>Every field is guarded by the dispatcher's lock.
 */
final class Lane {

    final Subscriptions.Entry subscription;
    final ArrayDeque<Pending> queue = new ArrayDeque<>();

    /** Handed to a worker (or waiting in the ready queue) and not yet idle. */
    boolean scheduled;
    /** Unsubscribed: its backlog is gone and it takes no more notifications. */
    boolean removed;
    /** Stuck past the budget: takes no notifications until the stuck call returns. */
    boolean quarantined;

    /** The thread running the handler now, or {@code null}. */
    @Nullable
    Thread runner;
    /** When the running handler call began, 0 when none runs. */
    long startedAt;
    /** The notification being handled, while {@link #startedAt} is set. */
    @Nullable
    Notification current;
    /** How many callback timeouts the running call has passed; each one interrupts it again. */
    int timeouts;
    /** The running call ignored its interrupt: it counts as a stuck handler thread. */
    boolean stuck;
    /**
     * How many handler calls in a row were short since the last slow one, up to {@link ReadingWatcher#SHORT_STREAK};
     * a lane never run counts as having made them all. Guarded by the lock.
     */
    private int shortStreak = ReadingWatcher.SHORT_STREAK;
    /**
     * Whether the lane had two slow calls within {@link ReadingWatcher#SHORT_STREAK} calls, and has not made the whole
     * streak of short calls since: then it does not run inline on the reading thread. Written under the lock; volatile
     * for the reading thread's hint to the watcher ({@link ReadingWatcher#wanted}), read without it.
     */
    private volatile boolean demoted;

    Lane(Subscriptions.Entry subscription) {
        this.subscription = subscription;
    }

    String channel() {
        return subscription.channel;
    }

    NotificationHandler handler() {
        return subscription.handler;
    }

    /**
     * A handler call of this lane took {@code nanos}. A slow call close after another demotes the lane; a lone one (a
     * cold first call, a thread the scheduler preempted) does not, and costs one hold-up at most.
     */
    void timed(long nanos) {
        if (nanos >= ReadingWatcher.SHORT_NANOS) {
            if (shortStreak < ReadingWatcher.SHORT_STREAK && !demoted) {
                demoted = true;
            }
            shortStreak = 0;
        } else if (shortStreak < ReadingWatcher.SHORT_STREAK) {
            shortStreak++;
            if (shortStreak == ReadingWatcher.SHORT_STREAK && demoted) {
                demoted = false;
            }
        }
    }

    /** Whether the reading thread may run this lane inline (see {@link #demoted}). */
    boolean reliablyShort() {
        return !demoted;
    }

    /** Marks a handler call as begun on the current thread; returns its start time. */
    long begin(Notification notification) {
        long now = System.nanoTime();
        startedAt = now == 0 ? 1 : now; // 0 means idle
        current = notification;
        runner = Thread.currentThread();
        return startedAt;
    }

    /**
     * Marks the running call as returned.
     *
     * @return what happened to it while it ran
     */
    Ended end() {
        Ended ended = timeouts == 0 ? Ended.IN_TIME : quarantined ? Ended.QUARANTINE_LIFTED : Ended.LATE;
        startedAt = 0;
        current = null;
        timeouts = 0;
        stuck = false;
        quarantined = false;
        return ended;
    }

    /** How a handler call ended. */
    enum Ended {
        IN_TIME,
        /** After the callback timeout, which was reported then. */
        LATE,
        /** After the callback timeout, and the lane had been quarantined meanwhile. */
        QUARANTINE_LIFTED
    }

    /**
     * A buffered notification, shared by the lanes of its channel: it holds one place in the buffer until the last of
     * them has taken or dropped it.
     */
    static final class Pending {
        final Notification notification;
        int waiting;

        Pending(Notification notification) {
            this.notification = notification;
        }
    }
}
