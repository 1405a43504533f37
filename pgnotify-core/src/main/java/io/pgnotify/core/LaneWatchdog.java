package io.pgnotify.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Watches the handler calls of a {@link Dispatcher}'s lanes for the callback timeout.
 *
 * <p>A call past the timeout is interrupted and reported ({@link HandlerTimeoutException} to {@code onError} and
 * {@code onHandled}); its lane waits for it, since a handler never runs twice at once. A call still running at the next
 * check has ignored the interrupt: its thread counts as stuck, and it is interrupted again at every further timeout.
 * Once it has run for {@code stuckHandlerBudget} callback timeouts, its lane is quarantined: the lane holds no buffer
 * (its backlog and every notification for it are dropped and reported to {@code onDrop}), so a stuck handler costs
 * one thread and nothing else, and other lanes keep flowing. When the call returns, the quarantine ends.
 *
 * <p>The decisions are taken under the dispatcher's lock; the hooks are called after it is released.
 */
final class LaneWatchdog {

    private final Dispatcher dispatcher;
    private final LaneWorkers workers;
    private final Settings settings;
    private final NotifierListener hooks;
    private final long timeoutNanos;
    private final long quarantineNanos;
    // Guarded by the dispatcher's lock: lanes removed by unsubscribe while their handler still ran.
    private final List<Lane> retired = new ArrayList<>();
    // Guarded by the dispatcher's lock.
    private int stuck;

    LaneWatchdog(Dispatcher dispatcher, LaneWorkers workers, Settings settings, NotifierListener hooks) {
        this.dispatcher = dispatcher;
        this.workers = workers;
        this.settings = settings;
        this.hooks = hooks;
        this.timeoutNanos = settings.callbackTimeout().toNanos();
        this.quarantineNanos = saturatedMultiply(timeoutNanos, settings.stuckHandlerBudget());
    }

    /** Called periodically: interrupts, reports and quarantines; then calls the hooks, outside the lock. */
    void check() {
        List<Runnable> reports = new ArrayList<>();
        dispatcher.lock.lock();
        try {
            long now = System.nanoTime();
            workers.handOutReady();
            for (Lane lane : dispatcher.lanes.values()) {
                check(lane, now, reports);
            }
            retired.removeIf(lane -> lane.startedAt == 0);
            for (Lane lane : retired) {
                check(lane, now, reports);
            }
        } catch (RuntimeException e) {
            reports.add(() -> hooks.onError(e, null)); // the watchdog must keep running
        } finally {
            dispatcher.lock.unlock();
        }
        for (Runnable report : reports) {
            report.run();
        }
    }

    private void check(Lane lane, long now, List<Runnable> reports) {
        if (lane.startedAt == 0) {
            return;
        }
        long running = now - lane.startedAt;
        if (lane.timeouts > 0 && !lane.stuck) {
            lane.stuck = true; // interrupted at an earlier check and still running
            stuck++;
        }
        if (running >= saturatedMultiply(timeoutNanos, lane.timeouts + 1L)) {
            lane.timeouts++;
            Thread runner = lane.runner;
            if (runner != null) {
                runner.interrupt();
            }
            if (lane.timeouts == 1) {
                Notification notification = lane.current;
                HandlerTimeoutException timeout =
                        new HandlerTimeoutException(lane.channel(), settings.callbackTimeout());
                reports.add(() -> {
                    hooks.onError(timeout, lane.channel());
                    hooks.onHandled(notification, lane.handler(), running, timeout);
                });
            }
        }
        if (lane.stuck && !lane.quarantined && !lane.removed && running >= quarantineNanos) {
            lane.quarantined = true;
            List<Notification> dropped = dispatcher.clear(lane);
            SubscriptionQuarantinedException quarantined =
                    new SubscriptionQuarantinedException(lane.channel(), Duration.ofNanos(running));
            reports.add(() -> {
                hooks.onError(quarantined, lane.channel());
                dropped.forEach(hooks::onDrop);
            });
        }
    }

    /** Marks a lane's call as returned, with the lock held; see {@link Lane#end()}. */
    Lane.Ended ended(Lane lane) {
        if (lane.stuck) {
            stuck--;
        }
        return lane.end();
    }

    /** Keeps watching an unsubscribed lane while its handler still runs. Called with the lock held. */
    void retire(Lane lane) {
        if (lane.startedAt != 0) {
            retired.add(lane);
        }
    }

    /** Stuck handler threads, with the lock held. */
    int stuck() {
        return stuck;
    }

    private static long saturatedMultiply(long a, long b) {
        long high = Math.multiplyHigh(a, b);
        long product = a * b;
        return high == 0 && product >= 0 ? product : Long.MAX_VALUE;
    }
}
