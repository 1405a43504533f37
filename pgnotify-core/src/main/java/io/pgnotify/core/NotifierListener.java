package io.pgnotify.core;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * Hooks into a {@link Notifier}'s life: for logging, metrics and resynchronising after a gap. Every method has an
 * empty default. Hooks run on the notifier's own threads and must return quickly; an exception thrown by a hook is
 * logged and ignored.
 */
public interface NotifierListener {

    /**
     * A notification was read from the connection, before it is buffered for its handlers.
     *
     * @param notification the notification
     */
    default void onNotification(Notification notification) {}

    /**
     * Something failed: a handler (with its channel), a timeout, a connection attempt or a ping (channel null).
     *
     * @param error what failed
     * @param channel the channel concerned, or {@code null}
     */
    default void onError(Throwable error, @Nullable String channel) {}

    /** A listening connection was opened and every channel is listened to. */
    default void onConnect() {}

    /**
     * The listening connection was lost. From now on, until {@link #onReconnect}, notifications are lost.
     *
     * @param cause why
     */
    default void onDisconnect(Throwable cause) {}

    /**
     * Listening again after a disconnect: every channel is listened to again. Notifications sent while disconnected
     * were lost; this is the signal to resynchronise.
     *
     * @param attempts the connection attempts it took
     */
    default void onReconnect(int attempts) {}

    /**
     * As {@link #onReconnect(int)}, with how long the notifier was not listening. The default calls
     * {@link #onReconnect(int)}.
     *
     * @param attempts the connection attempts it took
     * @param downtime from the disconnect until every channel was listened to again
     */
    default void onReconnect(int attempts, Duration downtime) {
        onReconnect(attempts);
    }

    /**
     * The listening session was replaced without a gap (by {@link Notifier#rotate()} or
     * {@link Notifier.Builder#maxLifetime}): nothing was lost or repeated. A rotation is not a reconnect; there is no
     * {@link #onReconnect} for it.
     *
     * @param oldBackendPid the backend pid of the session that was closed
     * @param newBackendPid the backend pid of the session that listens now
     * @param overlap how long both sessions listened
     */
    default void onRotate(int oldBackendPid, int newBackendPid, Duration overlap) {}

    /**
     * A notification was dropped by {@link OverflowPolicy#DROP_NEWEST} or {@link OverflowPolicy#DROP_OLDEST}, or a
     * quarantined subscription did not get it ({@link SubscriptionQuarantinedException}; called once per such
     * subscription). With several handlers on its channel, {@code DROP_OLDEST} may drop a notification some of them
     * already handled: each handler has its own lane.
     *
     * @param notification the dropped notification
     */
    default void onDrop(Notification notification) {}

    /**
     * A handler finished with one notification.
     *
     * @param notification the notification
     * @param handler the handler
     * @param durationNanos how long it ran, in nanoseconds
     * @param error what it threw, {@code null} on success; a {@link HandlerTimeoutException} when it overran
     */
    default void onHandled(
            Notification notification, NotificationHandler handler, long durationNanos, @Nullable Throwable error) {}

    /**
     * The periodic ping and self-notification probe completed.
     *
     * @param roundTrip from sending the probe to receiving it back
     * @param serverQueueUsage {@code pg_notification_queue_usage()}, 0 to 1
     */
    default void onPing(Duration roundTrip, double serverQueueUsage) {}
}
