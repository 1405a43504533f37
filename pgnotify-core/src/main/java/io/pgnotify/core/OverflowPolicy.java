package io.pgnotify.core;

/** What a {@link Notifier} does when its buffer of notifications waiting for handlers is full. */
public enum OverflowPolicy {

    /**
     * Stop reading from the connection until there is room. Nothing is lost: unread notifications wait in the
     * server's queue (up to 8 GB, visible as {@code pg_notification_queue_usage()}).
     */
    BLOCK,

    /** Drop the notification that just arrived and report it to {@link NotifierListener#onDrop}. */
    DROP_NEWEST,

    /** Drop the oldest notification still waiting and report it to {@link NotifierListener#onDrop}. */
    DROP_OLDEST
}
