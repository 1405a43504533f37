package io.pgnotify.spring;

import io.pgnotify.core.Notifier;
import io.pgnotify.core.Subscription;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The channels of one {@link PgListener} (one listener id), started, stopped, paused and resumed together. Reach it
 * through {@link PgListenerEndpointRegistry#getListenerContainer(String)}.
 *
 * <p>A container that is stopped or paused holds no subscription: its channels are UNLISTENed unless another listener
 * needs them, and its method is not called. PostgreSQL does not keep notifications for a session that is not listening,
 * so whatever is sent on the channels meanwhile is <em>missed</em>, not delayed: when the container listens again
 * (after {@link #resume()}, or {@link #start()} after {@link #stop()}) it publishes a {@link PgListenerResumedEvent}
 * saying since when, for the application to resynchronise. Pausing and stopping differ only in what {@link
 * #isRunning()} says and in what the application context does with the container: a context restart starts the
 * containers marked for auto-startup again, and leaves paused ones paused.
 *
 * <p>All methods are safe to call from any thread, including from the container's own listener method.
 */
public final class PgListenerContainer {

    private static final Logger log = LoggerFactory.getLogger(PgListenerContainer.class);

    private final String id;
    private final boolean autoStartup;
    private final List<MethodPgListenerEndpoint> endpoints = new ArrayList<>();
    private final Context context;
    private final Object monitor = new Object();
    private final List<Subscription> subscriptions = new ArrayList<>();
    private boolean running;
    private boolean paused;
    private @Nullable Instant unsubscribedAt;

    PgListenerContainer(String id, boolean autoStartup, Context context) {
        this.id = id;
        this.autoStartup = autoStartup;
        this.context = context;
    }

    /**
     * The listener's id, as in {@link PgListener#id()}.
     *
     * @return the id
     */
    public String id() {
        return id;
    }

    /**
     * The channels this container listens to.
     *
     * @return the channel names, exact
     */
    public List<String> channels() {
        synchronized (monitor) {
            return endpoints.stream().map(MethodPgListenerEndpoint::channel).toList();
        }
    }

    /**
     * Whether the application context starts this container, from {@link PgListener#autoStartup()} or {@code
     * pgnotify.listener.auto-startup}.
     *
     * @return whether it starts with the context
     */
    public boolean isAutoStartup() {
        return autoStartup;
    }

    /** Starts listening, at once if the notifier runs, else when it starts. Idempotent. */
    public void start() {
        synchronized (monitor) {
            running = true;
        }
        sync();
    }

    /** Stops listening: the method is not called again until {@link #start()}. Idempotent. */
    public void stop() {
        synchronized (monitor) {
            running = false;
        }
        sync();
    }

    /** Stops listening while staying running: the method is not called again until {@link #resume()}. */
    public void pause() {
        synchronized (monitor) {
            paused = true;
        }
        sync();
    }

    /** Listens again after {@link #pause()}, and publishes a {@link PgListenerResumedEvent} for what was missed. */
    public void resume() {
        synchronized (monitor) {
            paused = false;
        }
        sync();
    }

    /**
     * Whether the container was started and not stopped (a paused container is running).
     *
     * @return whether it is running
     */
    public boolean isRunning() {
        synchronized (monitor) {
            return running;
        }
    }

    /**
     * Whether the container is paused.
     *
     * @return whether it is paused
     */
    public boolean isPaused() {
        synchronized (monitor) {
            return paused;
        }
    }

    /**
     * Whether the container holds its subscriptions now: running, not paused, and its notifier started.
     *
     * @return whether its method is called for new notifications
     */
    public boolean isListening() {
        synchronized (monitor) {
            return !subscriptions.isEmpty();
        }
    }

    void add(MethodPgListenerEndpoint endpoint) {
        synchronized (monitor) {
            endpoints.add(endpoint);
        }
        sync();
    }

    /** Unsubscribes and forgets the endpoints of a bean; returns whether the container is left empty. */
    boolean remove(Object bean) {
        synchronized (monitor) {
            for (int i = endpoints.size() - 1; i >= 0; i--) {
                if (endpoints.get(i).bean() == bean) {
                    endpoints.remove(i);
                    if (i < subscriptions.size()) {
                        subscriptions.remove(i).unsubscribe();
                    }
                }
            }
            return endpoints.isEmpty();
        }
    }

    List<MethodPgListenerEndpoint> endpoints() {
        synchronized (monitor) {
            return List.copyOf(endpoints);
        }
    }

    /** Subscribes or unsubscribes to match what was asked; called on every change, also by the registry. */
    void sync() {
        @Nullable PgListenerResumedEvent resumed = null;
        synchronized (monitor) {
            boolean wanted = running && !paused && context.canListen();
            if (wanted) {
                Instant since = unsubscribedAt;
                boolean subscribedAny = false;
                for (int i = subscriptions.size(); i < endpoints.size(); i++) {
                    MethodPgListenerEndpoint endpoint = endpoints.get(i);
                    BatchCollector batch = endpoint.batch();
                    if (batch != null) {
                        batch.collecting(true);
                    }
                    subscriptions.add(context.notifier().subscribe(endpoint.channel(), endpoint));
                    subscribedAny = true;
                }
                if (subscribedAny && since != null) {
                    Instant now = context.clock().instant();
                    resumed = new PgListenerResumedEvent(this, since, Duration.between(since, now));
                    unsubscribedAt = null;
                }
            } else if (!subscriptions.isEmpty()) {
                subscriptions.forEach(Subscription::unsubscribe);
                subscriptions.clear();
                for (MethodPgListenerEndpoint endpoint : endpoints) {
                    BatchCollector batch = endpoint.batch();
                    if (batch != null) {
                        batch.collecting(false);
                    }
                }
                unsubscribedAt = context.clock().instant();
            }
        }
        if (resumed != null) {
            log.info(
                    "@PgListener '{}' listens again on {} after {}; notifications sent meanwhile were missed",
                    id,
                    resumed.channels(),
                    resumed.gap());
            context.announce().accept(resumed);
        }
    }

    @Override
    public String toString() {
        return "PgListenerContainer[" + id + " on " + channels() + (isRunning() ? "" : ", stopped")
                + (isPaused() ? ", paused" : "") + "]";
    }

    /** What a container needs from its registry. */
    interface Context {

        Notifier notifier();

        /** Whether the notifier is started (or starting) and may take subscriptions. */
        boolean canListen();

        Clock clock();

        Consumer<PgListenerResumedEvent> announce();
    }
}
