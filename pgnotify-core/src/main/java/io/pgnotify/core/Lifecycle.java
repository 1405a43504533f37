package io.pgnotify.core;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A notifier's runs: {@code start()} begins one, {@code stop()} ends it so that a later start can begin the next, and
 * shutdown ends it for good. It moves the state from NEW or STOPPED to CONNECTING and from any state to STOPPING and
 * STOPPED (the supervisor moves it in between), and lets one halt at a time end the run while the others wait for it.
 */
final class Lifecycle {

    private static final Logger log = LoggerFactory.getLogger(Notifier.class);

    private final Settings settings;
    private final Subscriptions subscriptions;
    private final Publisher publisher;
    private final AtomicReference<NotifierState> state;
    private final SafeListener hooks;
    private final ControlHooks controlHooks;
    // Marks the notifier's threads, whatever their names, so calls from them never wait on themselves.
    private final OwnedThreads owned = new OwnedThreads();
    private final NotifierThreads threads;
    final Supervisor supervisor;
    // One per run: start() after stop() makes a new one.
    private volatile NotifierRun run;
    private volatile @Nullable Thread listenerThread;
    // Set by shutdown()/close(): no start() after it.
    private volatile boolean closed;

    Lifecycle(
            Settings settings, Subscriptions subscriptions, Publisher publisher, AtomicReference<NotifierState> state) {
        this.settings = settings;
        this.subscriptions = subscriptions;
        this.publisher = publisher;
        this.state = state;
        this.threads = new NotifierThreads(settings, owned);
        this.hooks = new SafeListener(settings.listener(), settings.name());
        this.run = new NotifierRun(settings, subscriptions, hooks, threads);
        this.controlHooks = new ControlHooks(hooks, settings.name(), run.control);
        this.supervisor = new Supervisor(
                settings, subscriptions, run.dispatcher, controlHooks, state, publisher, run.prober, owned);
    }

    /** The current run's dispatcher. */
    Dispatcher dispatcher() {
        return run.dispatcher;
    }

    /** See {@link Notifier#start()}; its callers take turns (it is {@code synchronized} there). */
    void start() {
        if (closed) {
            throw new IllegalStateException(
                    "Notifier '" + settings.name() + "' cannot start: it is shut down (" + state.get() + ")");
        }
        if (state.get() == NotifierState.STOPPED) {
            prepareRestart();
            if (!state.compareAndSet(NotifierState.STOPPED, NotifierState.CONNECTING)) {
                throw new IllegalStateException(
                        "Notifier '" + settings.name() + "' cannot start: it is " + state.get());
            }
        } else if (!state.compareAndSet(NotifierState.NEW, NotifierState.CONNECTING)) {
            throw new IllegalStateException("Notifier '" + settings.name() + "' cannot start: it is " + state.get());
        }
        listenerThread = run.start(supervisor);
        log.info("[{}] started", settings.name());
    }

    /** The threads and buffer of a new run, after a stop; the subscriptions stay. */
    private void prepareRestart() {
        this.run = new NotifierRun(settings, subscriptions, hooks, threads);
        controlHooks.use(run.control);
        supervisor.control.restart(run.dispatcher, run.prober);
    }

    /** See {@link Notifier#shutdown(Duration)}. */
    boolean shutdown(Duration timeout) {
        closed = true;
        return halt(timeout, true);
    }

    /**
     * Ends the run within the timeout; for good when {@code terminal}. Called from one of the notifier's own threads,
     * it ends it on a thread of its own and returns {@code false} at once.
     */
    boolean halt(Duration timeout, boolean terminal) {
        if (owned.isCurrent()) {
            // A handler or hook: waiting for the notifier's threads would wait on this very thread until the timeout.
            Thread stopper = new Thread(
                    () -> halt(timeout, terminal), "pgnotify-" + settings.name() + (terminal ? "-shutdown" : "-stop"));
            stopper.setDaemon(true);
            stopper.start();
            return false;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        NotifierState previous;
        do {
            previous = state.get();
            if (previous == NotifierState.STOPPING || previous == NotifierState.STOPPED) {
                boolean stopped = awaitStopped(deadline);
                if (terminal) {
                    stopped &= publisher.close(deadline);
                }
                return stopped;
            }
        } while (!state.compareAndSet(previous, NotifierState.STOPPING));

        Thread started = listenerThread;
        boolean clean = run.stop(supervisor.control, started == null ? NotifierState.NEW : previous, started, deadline);
        if (terminal || closed) {
            clean &= publisher.close(deadline);
        } else {
            clean &= publisher.release(deadline);
        }
        synchronized (state) {
            state.set(NotifierState.STOPPED);
            state.notifyAll();
        }
        log.info(
                "[{}] {}{}",
                settings.name(),
                terminal ? "shut down" : "stopped",
                clean ? "" : " (not everything finished in time)");
        return clean;
    }

    /** Refuses {@code action} while stopping, or once shut down. */
    void requireNotStopped(String action) {
        NotifierState current = state.get();
        if (current == NotifierState.STOPPING || (closed && current == NotifierState.STOPPED)) {
            throw new IllegalStateException("Notifier '" + settings.name() + "' is " + current + "; cannot " + action);
        }
    }

    private boolean awaitStopped(long deadline) {
        synchronized (state) {
            while (state.get() != NotifierState.STOPPED) {
                long remaining = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (remaining <= 0) {
                    return false;
                }
                try {
                    state.wait(remaining);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return true;
        }
    }
}
