package io.pgnotify.spring;

/**
 * Told by {@link PgNotifyTemplate} about every successful send: at once outside a transaction, after the commit inside
 * one, never after a rollback. Beans of this type are picked up by the auto-configuration. Must return quickly.
 */
@FunctionalInterface
public interface PgNotifyPublishListener {

    /**
     * Notifications were sent.
     *
     * @param channel the channel
     * @param count how many notifications
     */
    void onPublished(String channel, int count);
}
