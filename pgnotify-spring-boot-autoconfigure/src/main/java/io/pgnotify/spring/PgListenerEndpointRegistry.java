package io.pgnotify.spring;

import io.pgnotify.core.Notifier;
import io.pgnotify.core.NotifierState;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Holds every {@link PgListener} endpoint and runs the {@link Notifier} they are subscribed to: starts listening once
 * the application context is refreshed and shuts down gracefully, early in the context's shutdown (before the
 * DataSource is closed). Stopping is final: the notifier cannot be started again.
 */
public final class PgListenerEndpointRegistry implements SmartLifecycle {

    /** Starts late and stops early, as message listener containers do. */
    public static final int PHASE = Integer.MAX_VALUE - 100;

    private static final Logger log = LoggerFactory.getLogger(PgListenerEndpointRegistry.class);

    private final Notifier notifier;
    private final Duration shutdownTimeout;
    private final List<PgListenerEndpoint> endpoints = new CopyOnWriteArrayList<>();
    private final Object monitor = new Object();
    private volatile boolean running;

    /**
     * Creates a registry.
     *
     * @param notifier the notifier to subscribe endpoints to, started and stopped by this registry
     * @param shutdownTimeout how long a graceful stop may take
     */
    public PgListenerEndpointRegistry(Notifier notifier, Duration shutdownTimeout) {
        this.notifier = Objects.requireNonNull(notifier, "'notifier' must not be null");
        this.shutdownTimeout = Objects.requireNonNull(shutdownTimeout, "'shutdownTimeout' must not be null");
    }

    /**
     * The registered endpoints: one per {@link PgListener} method and channel.
     *
     * @return an unmodifiable snapshot
     */
    public List<PgListenerEndpoint> endpoints() {
        return List.copyOf(endpoints);
    }

    /**
     * The notifier the endpoints are subscribed to.
     *
     * @return the notifier
     */
    public Notifier notifier() {
        return notifier;
    }

    /** Registers an endpoint; subscribed at once when already running, else at {@link #start()}. */
    void register(MethodPgListenerEndpoint endpoint) {
        synchronized (monitor) {
            endpoints.add(endpoint);
            if (running) {
                notifier.subscribe(endpoint.channel(), endpoint);
            }
        }
    }

    @Override
    public void start() {
        synchronized (monitor) {
            if (running) {
                return;
            }
            if (notifier.state() != NotifierState.NEW) {
                log.warn("[{}] cannot start again: the notifier is {}", notifier.name(), notifier.state());
                return;
            }
            for (PgListenerEndpoint endpoint : endpoints) {
                MethodPgListenerEndpoint handler = (MethodPgListenerEndpoint) endpoint;
                notifier.subscribe(handler.channel(), handler);
            }
            notifier.start();
            running = true;
        }
    }

    @Override
    public void stop() {
        synchronized (monitor) {
            running = false;
        }
        notifier.shutdown(shutdownTimeout);
    }

    /** Shuts down on a thread of its own and calls back once the notifier has really stopped. */
    @Override
    public void stop(Runnable callback) {
        synchronized (monitor) {
            running = false;
        }
        Thread stopper = new Thread(
                () -> {
                    try {
                        notifier.shutdown(shutdownTimeout);
                    } finally {
                        callback.run();
                    }
                },
                "pgnotify-" + notifier.name() + "-shutdown");
        stopper.start();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }
}
