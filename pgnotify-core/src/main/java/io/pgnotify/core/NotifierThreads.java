package io.pgnotify.core;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Every thread a notifier starts (listener, workers, watchdog, prober, control), named {@code pgnotify-<name>-<role>}
 * and marked as the notifier's own, so that shutdown can wait for all of them and calls from them never wait on
 * themselves.
 */
final class NotifierThreads {

    private final Settings settings;
    private final OwnedThreads owned;
    private final Queue<Thread> started = new ConcurrentLinkedQueue<>();

    NotifierThreads(Settings settings, OwnedThreads owned) {
        this.settings = settings;
        this.owned = owned;
    }

    /** Threads for one role; the workers come from the builder's thread factory when there is one. */
    ThreadFactory factory(String role) {
        AtomicInteger count = new AtomicInteger();
        String prefix = "pgnotify-" + settings.name() + "-" + role;
        ThreadFactory custom = role.equals("worker") ? settings.handlerThreads() : null;
        return runnable -> {
            Runnable task = owned.wrap(runnable);
            Thread thread;
            if (custom != null) {
                thread = custom.newThread(task);
                if (thread == null) {
                    throw new IllegalStateException(
                            "The threadFactory of notifier '" + settings.name() + "' returned no thread");
                }
            } else {
                thread = new Thread(task, role.equals("worker") ? prefix + "-" + count.incrementAndGet() : prefix);
                thread.setDaemon(true);
            }
            started.removeIf(t -> t.getState() == Thread.State.TERMINATED);
            started.add(thread);
            return thread;
        };
    }

    /** A daemon thread of the notifier's own for one task, not started. */
    Thread thread(String role, Runnable task) {
        Thread thread = new Thread(owned.wrap(task), "pgnotify-" + settings.name() + "-" + role);
        thread.setDaemon(true);
        return thread;
    }

    /**
     * Waits for every thread this notifier started to end. An executor counts as terminated while its last thread is
     * still on its way out, so waiting for the executors alone would let shutdown return with threads alive.
     */
    boolean joinAll(long deadline) {
        for (Thread thread : started) {
            if (thread == Thread.currentThread()) {
                continue; // shutdown called from a handler or hook: this thread ends when it returns
            }
            try {
                thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            if (thread.isAlive()) {
                return false;
            }
        }
        return true;
    }

    static boolean awaitTermination(ExecutorService executor, long deadline) {
        try {
            return executor.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
