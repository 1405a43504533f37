package io.pgnotify.spring;

import io.pgnotify.core.Notification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Handles an exception thrown by a {@link PgListener} method. A bean of this type replaces the default, which logs
 * the failure with the channel and the method. Runs on the listener's worker thread; whatever it does, the next
 * notification and the other listeners are not affected.
 */
@FunctionalInterface
public interface PgListenerErrorHandler {

    /**
     * Handles a failure.
     *
     * @param notification the notification being handled (its {@code toString()} does not show the payload)
     * @param endpoint the listener that failed
     * @param error what it threw (unwrapped from reflection)
     */
    void handleError(Notification notification, PgListenerEndpoint endpoint, Throwable error);

    /**
     * The default: logs a warning naming the listener, its method and the channel, never the payload.
     *
     * @return the logging error handler
     */
    static PgListenerErrorHandler logging() {
        Logger log = LoggerFactory.getLogger(PgListener.class);
        return (notification, endpoint, error) -> log.warn(
                "@PgListener '{}' ({}) failed on channel '{}'",
                endpoint.id(),
                endpoint.method().toGenericString(),
                notification.channel(),
                error);
    }
}
