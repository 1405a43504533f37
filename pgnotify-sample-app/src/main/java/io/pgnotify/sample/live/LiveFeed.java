package io.pgnotify.sample.live;

import io.pgnotify.core.Notification;
import io.pgnotify.sample.cache.ProductCache;
import io.pgnotify.sample.jobs.JobRunner;
import io.pgnotify.sample.locks.LockCoordinator;
import io.pgnotify.sample.settings.LiveSettings;
import io.pgnotify.spring.PgListener;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * Relays notifications to browsers as server-sent events. Each channel below is also heard by its use case's own
 * listener: several listeners on one channel each get every notification.
 */
@Component
public class LiveFeed {

    /** A free channel for trying things out. */
    public static final String EVENTS_CHANNEL = "events";

    /** Messages for users, as JSON. */
    public static final String USER_CHANNEL = "user_notifications";

    /** Every channel the page shows. */
    public static final List<String> CHANNELS = List.of(
            EVENTS_CHANNEL,
            USER_CHANNEL,
            ProductCache.CHANNEL,
            JobRunner.CHANNEL,
            LiveSettings.CHANNEL,
            LockCoordinator.CHANNEL);

    private static final int HISTORY = 20;
    private static final Duration STREAM_TIMEOUT = Duration.ofMinutes(30);

    private final List<SseEmitter> emitters = new CopyOnWriteArrayList<>();
    private final Deque<FeedItem> recent = new ArrayDeque<>();

    @PgListener({EVENTS_CHANNEL, ProductCache.CHANNEL, JobRunner.CHANNEL, LiveSettings.CHANNEL, LockCoordinator.CHANNEL
    })
    void relay(Notification notification) {
        broadcast(FeedItem.of(notification, notification.payload()));
    }

    // The payload is converted from JSON; a payload that is not a UserNotification is reported and skipped.
    @PgListener(USER_CHANNEL)
    void relayUserNotification(UserNotification message, Notification notification) {
        broadcast(FeedItem.of(notification, "to " + message.user() + ": " + message.text()));
    }

    /**
     * Opens a stream for one browser: a {@code ready} event, the latest notifications, then every new one as a
     * {@code notification} event.
     *
     * @return the emitter
     */
    public SseEmitter open() {
        SseEmitter emitter = new SseEmitter(STREAM_TIMEOUT.toMillis());
        emitter.onCompletion(() -> emitters.remove(emitter));
        emitter.onTimeout(emitter::complete);
        emitter.onError(error -> emitters.remove(emitter));
        synchronized (recent) {
            try {
                emitter.send(SseEmitter.event().name("ready").data(CHANNELS, MediaType.APPLICATION_JSON));
                for (FeedItem item : recent) {
                    emitter.send(event(item));
                }
            } catch (IOException e) {
                emitter.completeWithError(e);
                return emitter;
            }
            emitters.add(emitter);
        }
        return emitter;
    }

    private void broadcast(FeedItem item) {
        // Channels are handled in parallel; one lock keeps each stream's events whole and in order.
        synchronized (recent) {
            recent.addLast(item);
            if (recent.size() > HISTORY) {
                recent.removeFirst();
            }
            for (SseEmitter emitter : emitters) {
                try {
                    emitter.send(event(item));
                } catch (IOException | IllegalStateException e) {
                    emitters.remove(emitter); // the browser went away
                }
            }
        }
    }

    private static SseEmitter.SseEventBuilder event(FeedItem item) {
        return SseEmitter.event().name("notification").data(item, MediaType.APPLICATION_JSON);
    }

    // Open streams would hold up the web server's graceful shutdown until they time out.
    @EventListener(ContextClosedEvent.class)
    void closeStreams() {
        emitters.forEach(SseEmitter::complete);
        emitters.clear();
    }
}
