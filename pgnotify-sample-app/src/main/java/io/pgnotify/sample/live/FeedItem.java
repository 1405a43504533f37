package io.pgnotify.sample.live;

import io.pgnotify.core.Notification;

/**
 * One notification as the page shows it.
 *
 * @param channel the channel
 * @param payload the raw payload
 * @param summary a readable line, for payloads the server understood
 * @param pid the process id of the backend that sent it
 * @param receivedAt when the listening connection read it, ISO-8601
 */
public record FeedItem(String channel, String payload, String summary, int pid, String receivedAt) {

    static FeedItem of(Notification notification, String summary) {
        return new FeedItem(
                notification.channel(),
                notification.payload(),
                summary,
                notification.pid(),
                notification.receivedAt().toString());
    }
}
