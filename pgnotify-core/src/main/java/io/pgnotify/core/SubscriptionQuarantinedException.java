package io.pgnotify.core;

import java.time.Duration;

/**
 * Reported to {@link NotifierListener#onError} when a handler that ignores interruption has held its subscription for
 * the stuck budget ({@code stuckHandlerBudget} callback timeouts). The subscription is quarantined: it takes no thread
 * and its notifications (those waiting and those arriving) are dropped and reported to
 * {@link NotifierListener#onDrop}, while the channel's other handlers and every other channel carry on. The quarantine
 * ends when the stuck call returns; {@link NotifierStatus#quarantined()} and {@link NotifierStatus#stuckHandlers()}
 * show it meanwhile.
 */
public final class SubscriptionQuarantinedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String channel;

    SubscriptionQuarantinedException(String channel, Duration stuckFor) {
        super("Handler on channel '" + channel + "' has ignored its interrupt and run for " + stuckFor
                + "; its subscription is quarantined: its notifications are dropped until the handler returns");
        this.channel = channel;
    }

    /**
     * The channel of the quarantined subscription.
     *
     * @return the channel
     */
    public String channel() {
        return channel;
    }
}
