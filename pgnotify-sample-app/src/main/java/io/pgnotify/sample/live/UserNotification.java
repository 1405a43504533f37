package io.pgnotify.sample.live;

/**
 * A message for a user, sent as JSON on {@value LiveFeed#USER_CHANNEL}:
 * {@code {"user": "ann", "text": "Your order has shipped"}}.
 *
 * @param user who it is for
 * @param text what it says
 */
public record UserNotification(String user, String text) {}
