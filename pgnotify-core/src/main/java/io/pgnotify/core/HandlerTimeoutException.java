package io.pgnotify.core;

import java.time.Duration;

/**
 * Reported to {@link NotifierListener#onError} when a handler runs past the callback timeout. The handler's thread
 * is interrupted and the channel moves on to its next notification.
 */
public final class HandlerTimeoutException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String channel;

    HandlerTimeoutException(String channel, Duration timeout) {
        super("Handler on channel '" + channel + "' ran past the callback timeout of " + timeout
                + "; it was interrupted and the channel moved on");
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
