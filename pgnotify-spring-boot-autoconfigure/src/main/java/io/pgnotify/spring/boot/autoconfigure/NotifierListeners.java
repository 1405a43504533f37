package io.pgnotify.spring.boot.autoconfigure;

import io.pgnotify.core.HandlerTimeoutException;
import io.pgnotify.core.Notification;
import io.pgnotify.core.NotificationHandler;
import io.pgnotify.core.Notifier;
import io.pgnotify.core.NotifierListener;
import io.pgnotify.spring.PgListenerEndpoint;
import io.pgnotify.spring.PgNotifyReconnectedEvent;
import io.pgnotify.spring.PgNotifyRotatedEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.util.function.SingletonSupplier;

/**
 * Fans every hook out to the application's {@link NotifierListener} beans, each isolated from the others' failures.
 * The beans are looked up at the first hook, after the context is refreshed, so a listener bean may itself depend on
 * the notifier.
 */
final class NotifierListeners implements NotifierListener {

    private static final Logger log = LoggerFactory.getLogger(NotifierListeners.class);

    private final Supplier<List<NotifierListener>> delegates;

    NotifierListeners(NotifierListener first, Supplier<List<NotifierListener>> others) {
        this.delegates = SingletonSupplier.of(() -> {
            List<NotifierListener> all = new ArrayList<>();
            all.add(first);
            all.addAll(others.get());
            return List.copyOf(all);
        });
    }

    @Override
    public void onNotification(Notification notification) {
        each("onNotification", l -> l.onNotification(notification));
    }

    @Override
    public void onError(Throwable error, @Nullable String channel) {
        each("onError", l -> l.onError(error, channel));
    }

    @Override
    public void onConnect() {
        each("onConnect", NotifierListener::onConnect);
    }

    @Override
    public void onDisconnect(Throwable cause) {
        each("onDisconnect", l -> l.onDisconnect(cause));
    }

    @Override
    public void onReconnect(int attempts, Duration downtime) {
        each("onReconnect", l -> l.onReconnect(attempts, downtime));
    }

    @Override
    public void onRotate(int oldBackendPid, int newBackendPid, Duration overlap) {
        each("onRotate", l -> l.onRotate(oldBackendPid, newBackendPid, overlap));
    }

    @Override
    public void onDrop(Notification notification) {
        each("onDrop", l -> l.onDrop(notification));
    }

    @Override
    public void onHandled(
            Notification notification, NotificationHandler handler, long durationNanos, @Nullable Throwable error) {
        each("onHandled", l -> l.onHandled(notification, handler, durationNanos, error));
    }

    @Override
    public void onPing(Duration roundTrip, double serverQueueUsage) {
        each("onPing", l -> l.onPing(roundTrip, serverQueueUsage));
    }

    private void each(String hook, Consumer<NotifierListener> call) {
        for (NotifierListener delegate : delegates.get()) {
            try {
                call.accept(delegate);
            } catch (RuntimeException e) {
                log.warn(
                        "NotifierListener {}.{} threw; ignored",
                        delegate.getClass().getName(),
                        hook,
                        e);
            }
        }
    }

    /**
     * The starter's own hooks: lets the application's startup finish once listening, publishes a {@link
     * PgNotifyReconnectedEvent} after every reconnect and a {@link PgNotifyRotatedEvent} after every rotation, and logs
     * handler timeouts and the failures of handlers that are not {@code @PgListener} methods (those go to the
     * {@code PgListenerErrorHandler}).
     */
    static final class Internal implements NotifierListener {

        private static final Logger log = LoggerFactory.getLogger(Internal.class);

        private final ApplicationEventPublisher events;
        private final ListeningStartup startup;
        private final ObjectProvider<Notifier> notifiers;

        Internal(ApplicationEventPublisher events, ListeningStartup startup, ObjectProvider<Notifier> notifiers) {
            this.events = events;
            this.startup = startup;
            this.notifiers = notifiers;
        }

        @Override
        public void onConnect() {
            startup.connected();
        }

        /** The notifier is built with these hooks (possibly by the application), so it is looked up when needed. */
        private @Nullable Notifier notifier() {
            return notifiers.getIfUnique();
        }

        @Override
        public void onReconnect(int attempts, Duration downtime) {
            Notifier source = notifier();
            if (source != null) {
                events.publishEvent(new PgNotifyReconnectedEvent(source, attempts, downtime));
            }
        }

        @Override
        public void onRotate(int oldBackendPid, int newBackendPid, Duration overlap) {
            Notifier source = notifier();
            if (source != null) {
                events.publishEvent(new PgNotifyRotatedEvent(source, oldBackendPid, newBackendPid, overlap));
            }
        }

        @Override
        public void onHandled(
                Notification notification, NotificationHandler handler, long durationNanos, @Nullable Throwable error) {
            if (error == null) {
                return;
            }
            Notifier source = notifier();
            String name = source != null ? source.name() : "pgnotify";
            if (error instanceof HandlerTimeoutException) {
                log.warn("[{}] {} ({})", name, error.getMessage(), handler);
            } else if (!(handler instanceof PgListenerEndpoint)) {
                // PgListener failures went to the PgListenerErrorHandler; other handlers have nobody else to tell.
                log.warn("[{}] handler on channel '{}' failed", name, notification.channel(), error);
            }
        }
    }
}
