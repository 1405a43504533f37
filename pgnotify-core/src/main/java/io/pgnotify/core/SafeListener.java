package io.pgnotify.core;

import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Calls the user's hooks so that a hook that throws is logged, reported, and can never break the engine. */
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
        } catch (Throwable e) {
            failed("onNotification", e);
        }
    }

    @Override
    public void onError(Throwable error, @Nullable String channel) {
        try {
            delegate.onError(error, channel);
        } catch (Throwable e) {
            rethrowIfFatal(e);
            log.warn("[{}] NotifierListener.onError threw; ignored", name, e);
        }
    }

    @Override
    public void onConnect() {
        try {
            delegate.onConnect();
        } catch (Throwable e) {
            failed("onConnect", e);
        }
    }

    @Override
    public void onDisconnect(Throwable cause) {
        try {
            delegate.onDisconnect(cause);
        } catch (Throwable e) {
            failed("onDisconnect", e);
        }
    }

    @Override
    public void onReconnect(int attempts, Duration downtime) {
        try {
            delegate.onReconnect(attempts, downtime);
        } catch (Throwable e) {
            failed("onReconnect", e);
        }
    }

    @Override
    public void onRotate(int oldBackendPid, int newBackendPid, Duration overlap) {
        try {
            delegate.onRotate(oldBackendPid, newBackendPid, overlap);
        } catch (Throwable e) {
            failed("onRotate", e);
        }
    }

    @Override
    public void onDrop(Notification notification) {
        try {
            delegate.onDrop(notification);
        } catch (Throwable e) {
            failed("onDrop", e);
        }
    }

    @Override
    public void onHandled(
            Notification notification, NotificationHandler handler, long durationNanos, @Nullable Throwable error) {
        try {
            delegate.onHandled(notification, handler, durationNanos, error);
        } catch (Throwable e) {
            failed("onHandled", e);
        }
    }

    @Override
    public void onPing(Duration roundTrip, double serverQueueUsage) {
        try {
            delegate.onPing(roundTrip, serverQueueUsage);
        } catch (Throwable e) {
            failed("onPing", e);
        }
    }

    /**
     * A hook that threw anything (an {@link AssertionError}, a {@link LinkageError}) is logged and reported to
     * {@link #onError}; only a {@link VirtualMachineError} propagates.
     */
    private void failed(String hook, Throwable e) {
        rethrowIfFatal(e);
        log.warn("[{}] NotifierListener.{} threw; ignored", name, hook, e);
        onError(new IllegalStateException("NotifierListener." + hook + " threw " + e, e), null);
    }

    private static void rethrowIfFatal(Throwable e) {
        if (e instanceof VirtualMachineError error) {
            throw error;
        }
    }
}
