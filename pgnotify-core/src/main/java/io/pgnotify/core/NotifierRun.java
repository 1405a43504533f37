package io.pgnotify.core;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The threads and buffer of one run of a notifier, from {@code start()} to {@code stop()}: the dispatcher and its
 * workers, the watchdog, the prober, the control thread and the listener thread. A restart makes a new run; the
 * subscriptions, the publisher and the supervisor stay.
 */
final class NotifierRun {

    final Dispatcher dispatcher;
    final ScheduledExecutorService watchdog;
    final ExecutorService prober;
    final ExecutorService control;
    private final Settings settings;
    private final NotifierThreads threads;

    NotifierRun(Settings settings, Subscriptions subscriptions, SafeListener hooks, NotifierThreads threads) {
        this.settings = settings;
        this.threads = threads;
        this.dispatcher = new Dispatcher(settings, subscriptions, hooks, threads.factory("worker"));
        this.prober = Executors.newSingleThreadExecutor(threads.factory("probe"));
        this.control = Executors.newSingleThreadExecutor(threads.factory("control"));
        this.watchdog = Executors.newSingleThreadScheduledExecutor(threads.factory("watchdog"));
    }

    /** Starts the watchdog's checks (handlers past their timeout, a stuck reader) and the listener thread. */
    Thread start(Supervisor supervisor) {
        long tick = Math.max(5, Math.min(250, settings.callbackTimeout().toMillis() / 4));
        watchdog.scheduleWithFixedDelay(dispatcher::checkTimeouts, tick, tick, TimeUnit.MILLISECONDS);
        long readerTick = Math.max(10, Math.min(250, settings.pingTimeout().toMillis() / 4));
        watchdog.scheduleWithFixedDelay(supervisor::checkReader, readerTick, readerTick, TimeUnit.MILLISECONDS);
        Thread listenerThread = threads.thread("listener", supervisor);
        listenerThread.start();
        return listenerThread;
    }

    /**
     * Ends the run within the deadline: the listener thread (if it was started), the buffered notifications, the
     * executors and every thread.
     *
     * @return whether everything finished in time
     */
    boolean stop(ListenerControl listener, NotifierState previous, Thread listenerThread, long deadline) {
        boolean clean = true;
        if (previous != NotifierState.NEW) {
            listener.stop(previous == NotifierState.LISTENING);
            clean &= listener.awaitExit(listenerThread, deadline);
        }
        clean &= dispatcher.drain(deadline);
        watchdog.shutdownNow();
        prober.shutdownNow();
        clean &= NotifierThreads.awaitTermination(watchdog, deadline)
                & NotifierThreads.awaitTermination(prober, deadline);
        // Announcements already made still reach the hooks, within the deadline.
        control.shutdown();
        if (!NotifierThreads.awaitTermination(control, deadline)) {
            clean = false;
            control.shutdownNow();
        }
        // Interrupted handlers got their grace in drain(); the threads themselves take a moment more to end.
        clean &= threads.joinAll(Math.max(deadline, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200)));
        return clean;
    }
}
