package io.pgnotify.spring;

import io.pgnotify.core.HandlerTimeoutException;
import io.pgnotify.core.Notification;
import io.pgnotify.core.NotificationHandler;
import io.pgnotify.core.Notifier;
import io.pgnotify.core.NotifierListener;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.ApplicationEventPublisherAware;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.retry.RetryPolicy;

/**
 * Holds a {@link PgListenerContainer} for every {@link PgListener} id and runs the {@link Notifier} they are subscribed
 * to, as Spring Kafka's registry does: {@link #getListenerContainer(String)} gives each listener's container to start,
 * stop, pause and resume. Starts listening once the application context is refreshed and shuts down gracefully
 * during the context's shutdown, after the web server's graceful shutdown (see {@link #DEFAULT_PHASE}) and before the
 * DataSource is closed.
 *
 * <p>The registry is also a {@link NotifierListener}: a listener method that runs past the callback timeout is
 * reported to its {@link PgListenerErrorHandler}.
 */
public final class PgListenerEndpointRegistry
        implements SmartLifecycle, ApplicationEventPublisherAware, NotifierListener {

    /**
     * Starts before and stops after the web server ({@code SmartLifecycle.DEFAULT_PHASE - 2048}) and its graceful
     * shutdown ({@code DEFAULT_PHASE - 1024}), so that requests still being served while it drains (server-sent events,
     * requests waiting on a notification) keep hearing notifications.
     */
    public static final int DEFAULT_PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

    /** The former name of {@link #DEFAULT_PHASE}. */
    public static final int PHASE = DEFAULT_PHASE;

    private final Notifier notifier;
    private final Duration shutdownTimeout;
    private final NotifierLifecycle lifecycle;
    private final Map<String, PgListenerContainer> containers = new ConcurrentHashMap<>();
    private final Object monitor = new Object();
    private final PgListenerContainer.Context containerContext = new ContainerContext();
    private int phase = DEFAULT_PHASE;
    private boolean autoStartup = true;
    private @Nullable RetryPolicy retryPolicy;
    private int batchSize = 100;
    // Batch listeners by channel, told of every notification as it is read.
    private final Map<String, List<BatchCollector>> batches = new ConcurrentHashMap<>();
    private volatile @Nullable ApplicationEventPublisher events;
    private volatile boolean running;
    private volatile boolean listening;

    /**
     * Creates a registry.
     *
     * @param notifier the notifier to subscribe endpoints to, started and stopped by this registry
     * @param shutdownTimeout how long a graceful stop may take
     */
    public PgListenerEndpointRegistry(Notifier notifier, Duration shutdownTimeout) {
        this.notifier = Objects.requireNonNull(notifier, "'notifier' must not be null");
        this.shutdownTimeout = Objects.requireNonNull(shutdownTimeout, "'shutdownTimeout' must not be null");
        this.lifecycle = new NotifierLifecycle(notifier, shutdownTimeout);
    }

    /**
     * The lifecycle phase: the registry starts in it and stops in it. Default {@link #DEFAULT_PHASE}.
     *
     * @param phase the phase
     */
    public void setPhase(int phase) {
        this.phase = phase;
    }

    /**
     * Whether listeners that do not say otherwise in {@link PgListener#autoStartup()} start with the registry. Default
     * true.
     *
     * @param autoStartup the default
     */
    public void setAutoStartup(boolean autoStartup) {
        this.autoStartup = autoStartup;
    }

    boolean isAutoStartupByDefault() {
        return autoStartup;
    }

    /**
     * How failing listener methods are retried when their {@link PgListener#retryPolicy()} names none. Default: no
     * retry.
     *
     * @param retryPolicy the policy, or {@code null} for none
     */
    public void setRetryPolicy(@Nullable RetryPolicy retryPolicy) {
        this.retryPolicy = retryPolicy;
    }

    @Nullable
    RetryPolicy defaultRetryPolicy() {
        return retryPolicy;
    }

    /**
     * The most notifications a batch listener receives at once. Default 100.
     *
     * @param batchSize at least 1
     */
    public void setBatchSize(int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("'batchSize' must be at least 1, got " + batchSize);
        }
        this.batchSize = batchSize;
    }

    int batchSize() {
        return batchSize;
    }

    @Override
    public void setApplicationEventPublisher(ApplicationEventPublisher publisher) {
        this.events = publisher;
    }

    /**
     * The container of a listener.
     *
     * @param id the listener id ({@link PgListener#id()}, or {@code beanName#methodName})
     * @return the container, or {@code null} if there is no such listener
     */
    public @Nullable PgListenerContainer getListenerContainer(String id) {
        return containers.get(id);
    }

    /**
     * The ids of every listener.
     *
     * @return an unmodifiable snapshot
     */
    public Set<String> getListenerContainerIds() {
        return Set.copyOf(containers.keySet());
    }

    /**
     * Every container.
     *
     * @return an unmodifiable snapshot
     */
    public Collection<PgListenerContainer> getListenerContainers() {
        return List.copyOf(containers.values());
    }

    /**
     * The registered endpoints: one per {@link PgListener} method and channel.
     *
     * @return an unmodifiable snapshot
     */
    public List<PgListenerEndpoint> endpoints() {
        List<PgListenerEndpoint> all = new ArrayList<>();
        containers.values().forEach(container -> all.addAll(container.endpoints()));
        return List.copyOf(all);
    }

    /**
     * The notifier the endpoints are subscribed to.
     *
     * @return the notifier
     */
    public Notifier notifier() {
        return notifier;
    }

    /**
     * Registers an endpoint in the container of its listener id; a new container starts at once when the registry is
     * already running and the container is marked for auto-startup, else with the registry.
     */
    void register(MethodPgListenerEndpoint endpoint, boolean autoStartup) {
        PgListenerContainer container;
        boolean created;
        synchronized (monitor) {
            PgListenerContainer existing = containers.get(endpoint.id());
            created = existing == null;
            container = created ? new PgListenerContainer(endpoint.id(), autoStartup, containerContext) : existing;
            containers.put(endpoint.id(), container);
        }
        BatchCollector batch = endpoint.batch();
        if (batch != null) {
            batches.computeIfAbsent(endpoint.channel(), channel -> new java.util.concurrent.CopyOnWriteArrayList<>())
                    .add(batch);
        }
        container.add(endpoint);
        if (created && running && autoStartup) {
            container.start();
        }
    }

    /**
     * Removes the endpoints of a bean being destroyed (a prototype or scoped bean), unsubscribing them; a container
     * left without endpoints is removed too.
     */
    void unregister(Object bean) {
        synchronized (monitor) {
            containers.values().removeIf(container -> container.remove(bean));
        }
    }

    @Override
    public void start() {
        synchronized (monitor) {
            if (running) {
                return;
            }
            running = true;
            listening = lifecycle.start();
        }
        for (PgListenerContainer container : containers.values()) {
            if (container.isAutoStartup()) {
                container.start();
            } else {
                container.sync();
            }
        }
    }

    @Override
    public void stop() {
        stopListening();
        try {
            lifecycle.stop();
        } finally {
            stopContainers();
        }
    }

    /** Shuts down on a thread of its own and calls back once the notifier has really stopped. */
    @Override
    public void stop(Runnable callback) {
        stopListening();
        Thread stopper = new Thread(
                () -> {
                    try {
                        lifecycle.stop();
                        stopContainers();
                    } finally {
                        callback.run();
                    }
                },
                "pgnotify-" + lifecycle.name() + "-shutdown");
        stopper.start();
    }

    private void stopListening() {
        synchronized (monitor) {
            running = false;
            listening = false;
        }
    }

    // After the notifier has drained: unsubscribing first would drop what is buffered for the containers.
    private void stopContainers() {
        containers.values().forEach(PgListenerContainer::stop);
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return phase;
    }

    /** Tells batch listeners what was read, before it is buffered for them. */
    @Override
    public void onNotification(Notification notification) {
        List<BatchCollector> collectors = batches.get(notification.channel());
        if (collectors != null) {
            collectors.forEach(collector -> collector.arrived(notification));
        }
    }

    /** Gives a listener method's timeout to its error handler; the method's thread has been interrupted. */
    @Override
    public void onHandled(
            Notification notification, NotificationHandler handler, long durationNanos, @Nullable Throwable error) {
        if (error instanceof HandlerTimeoutException && handler instanceof MethodPgListenerEndpoint endpoint) {
            endpoint.timedOut(notification, error);
        }
    }

    private final class ContainerContext implements PgListenerContainer.Context {

        @Override
        public Notifier notifier() {
            return notifier;
        }

        @Override
        public boolean canListen() {
            return listening && lifecycle.canSubscribe();
        }

        @Override
        public Clock clock() {
            return Clock.systemUTC();
        }

        @Override
        public Consumer<PgListenerResumedEvent> announce() {
            return event -> {
                ApplicationEventPublisher publisher = events;
                if (publisher != null) {
                    publisher.publishEvent(event);
                }
            };
        }
    }
}
