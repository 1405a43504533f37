package io.pgnotify.spring.observation;

import io.micrometer.observation.Observation;
import io.pgnotify.core.Notification;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What a {@code pgnotify.handle} observation knows: the notification being handled, the listener's id and, for a
 * durable listener, its consumer group.
 */
public class PgNotifyListenerObservationContext extends Observation.Context {

    private final Notification notification;
    private final String listenerId;
    private final @Nullable String group;

    /**
     * Creates the context of one handling.
     *
     * @param notification the notification handed to the listener
     * @param listenerId the listener's id
     * @param group the consumer group of a durable listener, {@code null} for a plain one
     */
    public PgNotifyListenerObservationContext(Notification notification, String listenerId, @Nullable String group) {
        this.notification = Objects.requireNonNull(notification, "'notification' must not be null");
        this.listenerId = Objects.requireNonNull(listenerId, "'listenerId' must not be null");
        this.group = group;
    }

    /**
     * The notification; its payload is never recorded by the default convention.
     *
     * @return the notification
     */
    public Notification getNotification() {
        return notification;
    }

    /**
     * The channel the notification came on.
     *
     * @return the channel name
     */
    public String getChannel() {
        return notification.channel();
    }

    /**
     * The listener's id, as in {@code @PgListener(id = …)}.
     *
     * @return the id
     */
    public String getListenerId() {
        return listenerId;
    }

    /**
     * The consumer group of a durable listener.
     *
     * @return the group, or {@code null} for a plain listener
     */
    public @Nullable String getGroup() {
        return group;
    }
}
