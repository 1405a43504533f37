package io.pgnotify.core;

import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Calls the user's hooks so that a hook that throws is logged and can never break the engine. */
final class SafeListener implements NotifierListener {

    private static final Logger log = LoggerFactory.getLogger(Notifier.class);

    private final NotifierListener delegate;
    private final String name;

    SafeListener(NotifierListener delegate, String name) {
        this.delegate = delegate;
        this.name = name;
    }

    @Override
    public void onNotification(Notification notification) {
        try {
            delegate.onNotification(notification);
        } catch (RuntimeException e) {
            failed("onNotification", e);
        }
    }

    @Override
    public void onError(Throwable error, @Nullable String channel) {
        try {
            delegate.onError(error, channel);
        } catch (RuntimeException e) {
            failed("onError", e);
        }
    }

    @Override
    public void onConnect() {
        try {
            delegate.onConnect();
        } catch (RuntimeException e) {
            failed("onConnect", e);
        }
    }

    @Override
    public void onDisconnect(Throwable cause) {
        try {
            delegate.onDisconnect(cause);
        } catch (RuntimeException e) {
            failed("onDisconnect", e);
        }
    }

    @Override
    public void onReconnect(int attempts, Duration downtime) {
        try {
            delegate.onReconnect(attempts, downtime);
        } catch (RuntimeException e) {
            failed("onReconnect", e);
        }
    }

    @Override
    public void onDrop(Notification notification) {
        try {
            delegate.onDrop(notification);
        } catch (RuntimeException e) {
            failed("onDrop", e);
        }
    }

    @Override
    public void onHandled(
            Notification notification, NotificationHandler handler, long durationNanos, @Nullable Throwable error) {
        try {
            delegate.onHandled(notification, handler, durationNanos, error);
        } catch (RuntimeException e) {
            failed("onHandled", e);
        }
    }

    @Override
    public void onPing(Duration roundTrip, double serverQueueUsage) {
        try {
            delegate.onPing(roundTrip, serverQueueUsage);
        } catch (RuntimeException e) {
            failed("onPing", e);
        }
    }

    private void failed(String hook, RuntimeException e) {
        log.warn("[{}] NotifierListener.{} threw; ignored", name, hook, e);
    }
}
