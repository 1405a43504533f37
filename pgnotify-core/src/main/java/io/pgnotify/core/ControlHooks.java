package io.pgnotify.core;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the connection hooks ({@code onConnect}, {@code onDisconnect}, {@code onReconnect}, {@code onRotate}) on the notifier's control
 * thread, one at a time and in the order they happened, so that user code such as a slow resynchronisation never
 * stops the listener thread from reading. The other hooks are called directly.
 */
final class ControlHooks implements NotifierListener {

    private static final Logger log = LoggerFactory.getLogger(Notifier.class);

    private final NotifierListener hooks;
    private final String name;
    private volatile ExecutorService control;

    ControlHooks(NotifierListener hooks, String name, ExecutorService control) {
        this.hooks = hooks;
        this.name = name;
        this.control = control;
    }

    /** The control thread of a new run, after a stop. */
    void use(ExecutorService control) {
        this.control = control;
    }

    private void later(String hook, Runnable call) {
        try {
            control.execute(call);
        } catch (RejectedExecutionException e) {
            log.debug("[{}] {} not called: the notifier is stopping", name, hook);
        }
    }

    @Override
    public void onConnect() {
        later("onConnect", hooks::onConnect);
    }

    @Override
    public void onDisconnect(Throwable cause) {
        later("onDisconnect", () -> hooks.onDisconnect(cause));
    }

    @Override
    public void onReconnect(int attempts, Duration downtime) {
        later("onReconnect", () -> hooks.onReconnect(attempts, downtime));
    }

    @Override
    public void onRotate(int oldBackendPid, int newBackendPid, Duration overlap) {
        later("onRotate", () -> hooks.onRotate(oldBackendPid, newBackendPid, overlap));
    }

    /** Completes a future on the control thread, so that what the caller chained to it never runs on the reader. */
    void complete(CompletableFuture<Void> future, @Nullable Throwable error) {
        Runnable completion = () -> {
            if (error == null) {
                future.complete(null);
            } else {
                future.completeExceptionally(error);
            }
        };
        try {
            control.execute(completion);
        } catch (RejectedExecutionException e) {
            completion.run();
        }
    }

    @Override
    public void onNotification(Notification notification) {
        hooks.onNotification(notification);
    }

    @Override
    public void onError(Throwable error, @Nullable String channel) {
        hooks.onError(error, channel);
    }

    @Override
    public void onDrop(Notification notification) {
        hooks.onDrop(notification);
    }

    @Override
    public void onHandled(
            Notification notification, NotificationHandler handler, long durationNanos, @Nullable Throwable error) {
        hooks.onHandled(notification, handler, durationNanos, error);
    }

    @Override
    public void onPing(Duration roundTrip, double serverQueueUsage) {
        hooks.onPing(roundTrip, serverQueueUsage);
    }
}
