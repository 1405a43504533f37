package io.pgnotify.core;

import java.time.Duration;

/**
 * Reported to {@link NotifierListener#onError} when a handler runs past the callback timeout. The handler's thread
 * is interrupted; its subscription waits for it to return (a handler never runs twice at once) while the channel's
 * other handlers carry on. A handler that ignores the interrupt for long leads to a
 * {@link SubscriptionQuarantinedException}.
 */
public final class HandlerTimeoutException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String channel;

    HandlerTimeoutException(String channel, Duration timeout) {
        super("Handler on channel '" + channel + "' ran past the callback timeout of " + timeout
                + "; it was interrupted and its subscription waits for it to return");
        this.channel = channel;
    }

    /**
     * The channel of the notification being handled.
     *
     * @return the channel
     */
    public String channel() {
        return channel;
    }
}
