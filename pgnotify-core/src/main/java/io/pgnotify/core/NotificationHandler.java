package io.pgnotify.core;

/**
 * Handles the notifications of one channel. Runs on a worker thread of its {@link Notifier}, one notification at a
 * time per channel and in arrival order. An exception is reported to {@link NotifierListener#onError} and does not
 * affect other notifications or handlers.
 */
@FunctionalInterface
public interface NotificationHandler {

    /**
     * Handles one notification.
     *
     * @param notification the notification
     * @throws Exception reported and isolated
     */
    void handle(Notification notification) throws Exception;
}
