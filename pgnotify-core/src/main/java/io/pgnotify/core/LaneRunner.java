package io.pgnotify.core;

import java.util.ArrayDeque;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a lane on the thread {@link LaneWorkers} gave it: up to a batch of its notifications, one handler call at a
 * time, each call's end reported to the hooks (or, when a timeout has already reported it, not), then the lane that
 * thread should run next.
 *
 * <p>Guarded by the dispatcher's lock, taken once per notification: ending a call and taking the next share it.
 */
final class LaneRunner {

    private static final Logger log = LoggerFactory.getLogger(Notifier.class);

    /** A lane gives its worker back after this many notifications, so busy lanes share the workers. */
    private static final int BATCH = 64;

    private final Dispatcher dispatcher;
    private final Settings settings;
    private final NotifierListener hooks;
    // LaneWorkers' lanes waiting for a free worker, in order: a lane that runs out takes the first.
    private final ArrayDeque<Lane> ready;

    LaneRunner(Dispatcher dispatcher, Settings settings, NotifierListener hooks, ArrayDeque<Lane> ready) {
        this.dispatcher = dispatcher;
        this.settings = settings;
        this.hooks = hooks;
        this.ready = ready;
    }

    /**
     * Runs up to a batch of a lane's notifications; returns the lane this worker should run next, if any. One lock
     * acquisition per notification: ending a call and taking the next share it.
     */
    @Nullable
    Lane run(Lane lane) {
        Notification handled = null;
        long startedAt = 0;
        long took = 0;
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
                    lane.timed(took);
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
            took = System.nanoTime() - startedAt;
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
