package io.pgnotify.spring.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.config.MeterFilter;
import io.pgnotify.core.HandlerTimeoutException;
import io.pgnotify.core.Notification;
import io.pgnotify.core.NotificationHandler;
import io.pgnotify.core.NotifierListener;
import io.pgnotify.core.OverflowPolicy;
import io.pgnotify.spring.PgListenerEndpoint;
import io.pgnotify.spring.PgNotifyPublishListener;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The meters that count what happens to notifications: received, published, dropped and handled. Register it as a
 * {@link NotifierListener} of the notifier, as a {@link PgNotifyPublishListener} of the template, and bind it to a
 * registry; events before it is bound are not counted. The listening connection's gauges are
 * {@link PgNotifyConnectionMetrics}.
 *
 * <p>The {@code channel} tag takes at most {@code maxChannelTags} distinct values; further channels are counted under
 * {@code _other}, also in the meters that Micrometer makes of the {@code pgnotify.publish} and {@code pgnotify.handle}
 * observations once {@link #channelTagFilter()} is installed. No payload is ever recorded.
 */
public final class PgNotifyMetrics implements NotifierListener, PgNotifyPublishListener, MeterBinder {

    /** Notifications read from the listening connection. */
    public static final String RECEIVED = "pgnotify.notifications.received";

    /** Notifications sent by the template. */
    public static final String PUBLISHED = "pgnotify.notifications.published";

    /** Notifications dropped because the buffer was full. */
    public static final String DROPPED = "pgnotify.notifications.dropped";

    /** Time each listener took with a notification. */
    public static final String HANDLER_DURATION = "pgnotify.handler.duration";

    /** The {@code channel} tag value shared by channels beyond {@code maxChannelTags}. */
    public static final String OTHER_CHANNEL = ChannelTags.OTHER;

    private final ChannelTags channels;
    private final String policy;
    private final Map<String, Counter> received = new ConcurrentHashMap<>();
    private final Map<String, Counter> published = new ConcurrentHashMap<>();
    private final Map<String, Counter> dropped = new ConcurrentHashMap<>();
    private final Map<HandlerKey, Timer> handled = new ConcurrentHashMap<>();
    private volatile @Nullable MeterRegistry registry;

    /**
     * Creates the meters' source.
     *
     * @param maxChannelTags how many distinct {@code channel} tag values to record, 0 or more
     * @param overflowPolicy the notifier's overflow policy, the {@code policy} tag of dropped notifications
     */
    public PgNotifyMetrics(int maxChannelTags, OverflowPolicy overflowPolicy) {
        this.channels = new ChannelTags(maxChannelTags);
        this.policy = Objects.requireNonNull(overflowPolicy, "'overflowPolicy' must not be null")
                .name()
                .toLowerCase(Locale.ROOT);
    }

    /**
     * A filter that applies the same cap to the {@code channel} tag of every other {@code pgnotify.*} meter, such as
     * the timers made of the {@code pgnotify.publish} and {@code pgnotify.handle} observations.
     *
     * @return the filter, to configure on the registry before meters are registered
     */
    public MeterFilter channelTagFilter() {
        return new MeterFilter() {
            @Override
            public Meter.Id map(Meter.Id id) {
                String channel = id.getTag("channel");
                if (channel == null || !id.getName().startsWith("pgnotify.")) {
                    return id;
                }
                String tag = channels.tag(channel);
                return tag.equals(channel) ? id : id.withTag(Tag.of("channel", tag));
            }
        };
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "'registry' must not be null");
    }

    @Override
    public void onNotification(Notification notification) {
        MeterRegistry registry = this.registry;
        if (registry != null) {
            received.computeIfAbsent(
                            channels.tag(notification.channel()),
                            channel -> Counter.builder(RECEIVED)
                                    .description("Notifications read from the listening connection")
                                    .tag("channel", channel)
                                    .register(registry))
                    .increment();
        }
    }

    @Override
    public void onPublished(String channel, int count) {
        MeterRegistry registry = this.registry;
        if (registry != null) {
            published
                    .computeIfAbsent(
                            channels.tag(channel),
                            tag -> Counter.builder(PUBLISHED)
                                    .description("Notifications sent through the template (after the commit, in a"
                                            + " transaction)")
                                    .tag("channel", tag)
                                    .register(registry))
                    .increment(count);
        }
    }

    @Override
    public void onDrop(Notification notification) {
        MeterRegistry registry = this.registry;
        if (registry != null) {
            dropped.computeIfAbsent(
                            channels.tag(notification.channel()),
                            channel -> Counter.builder(DROPPED)
                                    .description("Notifications dropped because the buffer for handlers was full")
                                    .tag("channel", channel)
                                    .tag("policy", policy)
                                    .register(registry))
                    .increment();
        }
    }

    @Override
    public void onHandled(
            Notification notification, NotificationHandler handler, long durationNanos, @Nullable Throwable error) {
        MeterRegistry registry = this.registry;
        if (registry != null) {
            HandlerKey key = new HandlerKey(channels.tag(notification.channel()), listenerTag(handler), outcome(error));
            handled.computeIfAbsent(
                            key,
                            k -> Timer.builder(HANDLER_DURATION)
                                    .description("Time a listener took with one notification, by outcome")
                                    .tag("channel", k.channel())
                                    .tag("listener", k.listener())
                                    .tag("outcome", k.outcome())
                                    .register(registry))
                    .record(durationNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** A {@code @PgListener} method by its id; another handler by its class, unless that is a lambda's. */
    static String listenerTag(NotificationHandler handler) {
        if (handler instanceof PgListenerEndpoint endpoint) {
            return endpoint.id();
        }
        Class<?> type = handler.getClass();
        return type.isHidden() || type.isSynthetic() || type.isAnonymousClass() ? "_other" : type.getName();
    }

    static String outcome(@Nullable Throwable error) {
        if (error == null) {
            return "success";
        }
        return error instanceof HandlerTimeoutException ? "timeout" : "error";
    }

    private record HandlerKey(String channel, String listener, String outcome) {}
}
