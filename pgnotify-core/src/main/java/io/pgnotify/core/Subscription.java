package io.pgnotify.core;

/** A handler's subscription to a channel. */
public interface Subscription {

    /**
     * The channel subscribed to.
     *
     * @return the channel name
     */
    String channel();

    /**
     * Stops delivery to this handler. When it was the channel's last handler, the channel is no longer listened to.
     * Safe to call more than once, from any thread, including from the handler itself.
     */
    void unsubscribe();
}
