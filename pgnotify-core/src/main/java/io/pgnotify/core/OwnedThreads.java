package io.pgnotify.core;

/**
 * Tells whether the current thread is one a notifier started (listener, handler, probe, watchdog), whatever its name
 * or kind: a call from such a thread into the notifier must never wait for the notifier's own threads.
 */
final class OwnedThreads {

    private static final ThreadLocal<OwnedThreads> CURRENT = new ThreadLocal<>();

    /** Wraps a thread's task so that, while it runs, {@link #isCurrent()} is true on that thread. */
    Runnable wrap(Runnable task) {
        return () -> {
            CURRENT.set(this);
            try {
                task.run();
            } finally {
                CURRENT.remove();
            }
        };
    }

    boolean isCurrent() {
        return CURRENT.get() == this;
    }
}
