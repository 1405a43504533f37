package io.pgnotify.core;

/** The life cycle of a {@link Notifier}. */
public enum NotifierState {
    /** Built, not started. */
    NEW,
    /** Opening the first listening connection. */
    CONNECTING,
    /** Connected, every channel listened to. */
    LISTENING,
    /** The connection was lost; reconnecting with backoff. Notifications sent meanwhile are lost. */
    RECONNECTING,
    /** Shutting down. */
    STOPPING,
    /** Shut down. */
    STOPPED,
    /** Gave up after the maximum number of reconnect attempts. */
    FAILED
}
