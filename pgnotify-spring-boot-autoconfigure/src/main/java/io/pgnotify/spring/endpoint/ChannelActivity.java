package io.pgnotify.spring.endpoint;

import io.pgnotify.core.Notification;
import io.pgnotify.core.NotificationHandler;
import io.pgnotify.core.NotifierListener;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * Counts, per channel, the notifications received, dropped and failed by a handler, for the {@link PgNotifyEndpoint}.
 * Register it as a {@link NotifierListener} of the notifier. Channels are the subscribed ones, so their number is
 * bounded by the application's subscriptions.
 */
public final class ChannelActivity implements NotifierListener {

    private final Map<String, Counts> channels = new ConcurrentHashMap<>();

    @Override
    public void onNotification(Notification notification) {
        counts(notification.channel()).received.increment();
    }

    @Override
    public void onDrop(Notification notification) {
        counts(notification.channel()).dropped.increment();
    }

    @Override
    public void onHandled(
            Notification notification, NotificationHandler handler, long durationNanos, @Nullable Throwable error) {
        if (error != null) {
            counts(notification.channel()).errors.increment();
        }
    }

    private Counts counts(String channel) {
        return channels.computeIfAbsent(channel, c -> new Counts());
    }

    long received(String channel) {
        Counts counts = channels.get(channel);
        return counts == null ? 0 : counts.received.sum();
    }

    long dropped(String channel) {
        Counts counts = channels.get(channel);
        return counts == null ? 0 : counts.dropped.sum();
    }

    long errors(String channel) {
        Counts counts = channels.get(channel);
        return counts == null ? 0 : counts.errors.sum();
    }

    Set<String> channels() {
        return channels.keySet();
    }

    private static final class Counts {
        final LongAdder received = new LongAdder();
        final LongAdder dropped = new LongAdder();
        final LongAdder errors = new LongAdder();
    }
}
