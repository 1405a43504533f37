package io.pgnotify.spring.health;

import io.pgnotify.core.Notifier;
import io.pgnotify.core.NotifierStatus;
import io.pgnotify.spring.durable.PgDurableHealthIndicator;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The health of a {@link Notifier}'s listening connection.
 *
 * <p>{@code UP} when the connection is open, every channel is listened to and the last ping and end-to-end probe (a
 * notification the notifier sends itself) succeeded. {@code DOWN} otherwise: while connecting, disconnected or
 * reconnecting, after giving up ({@code FAILED}), while stopped, and when the probe does not come back, as behind a
 * transaction-mode pooler; the {@code error} detail says why. Details never contain a URL, user or password.
 *
 * <p>The {@code stuckHandlers} detail counts handler threads that ran past the callback timeout and ignored their
 * interrupt, and {@code quarantined} (when any) names the channels whose subscriptions were quarantined for one. Neither
 * makes the status {@code DOWN}: the connection still delivers to every other subscription, and a restart would not
 * free a thread stuck in uninterruptible work; the gauge {@code pgnotify.handlers.stuck} is what to alert on.
 *
 * <p>The {@code sessionAge} detail says how long the current listening session has been open, {@code rotations}
 * how many times it was replaced without a gap ({@code pgnotify.listener.max-lifetime} or {@code rotate()}), and
 * {@code lastRotation} when that last happened. A rotation does not make the status {@code DOWN}.
 *
 * <p>With durable channels, the {@code durable} detail shows each group's position, lag, age of its oldest unhandled
 * message, owner and dead letters; it does not change the status, which is the listening connection's.
 */
public final class PgNotifyHealthIndicator implements HealthIndicator {

    private final Notifier notifier;
    private final Clock clock;
    private final @Nullable PgDurableHealthIndicator durable;

    /**
     * Creates an indicator.
     *
     * @param notifier the notifier to report on
     */
    public PgNotifyHealthIndicator(Notifier notifier) {
        this(notifier, null, Clock.systemUTC());
    }

    /**
     * Creates an indicator that also shows the durable channels' groups.
     *
     * @param notifier the notifier to report on
     * @param durable the durable channels' groups, or {@code null} without durable channels
     */
    public PgNotifyHealthIndicator(Notifier notifier, @Nullable PgDurableHealthIndicator durable) {
        this(notifier, durable, Clock.systemUTC());
    }

    PgNotifyHealthIndicator(Notifier notifier, Clock clock) {
        this(notifier, null, clock);
    }

    private PgNotifyHealthIndicator(Notifier notifier, @Nullable PgDurableHealthIndicator durable, Clock clock) {
        this.notifier = Objects.requireNonNull(notifier, "'notifier' must not be null");
        this.durable = durable;
        this.clock = clock;
    }

    @Override
    public Health health() {
        NotifierStatus status = notifier.status();
        Health.Builder health = status.healthy() ? Health.up() : Health.down();
        health.withDetail("state", status.state().name())
                .withDetail("channels", new TreeSet<>(status.channels()))
                .withDetail("reconnectAttempts", status.reconnectAttempts())
                .withDetail("reconnects", status.reconnects())
                .withDetail("serverQueueUsage", status.serverQueueUsage())
                .withDetail("buffered", status.buffered())
                .withDetail("stuckHandlers", status.stuckHandlers())
                .withDetail("rotations", status.rotations());
        Duration sessionAge = status.sessionAge();
        if (sessionAge != null) {
            health.withDetail("sessionAge", sessionAge.toString());
        }
        Instant lastRotation = status.lastRotationAt();
        if (lastRotation != null) {
            health.withDetail("lastRotation", lastRotation.toString());
        }
        if (!status.quarantined().isEmpty()) {
            health.withDetail("quarantined", new java.util.TreeMap<>(status.quarantined()));
        }
        Set<String> notListened = new TreeSet<>(status.channels());
        notListened.removeAll(status.listenedChannels());
        if (!notListened.isEmpty()) {
            health.withDetail("notListenedChannels", notListened);
        }
        Instant lastPing = status.lastPingAt();
        if (lastPing != null) {
            health.withDetail("lastPing", lastPing.toString())
                    .withDetail(
                            "sinceLastPing",
                            Duration.between(lastPing, clock.instant()).toString());
        }
        String error = status.lastError();
        if (error != null) {
            health.withDetail("error", error);
        }
        if (durable != null) {
            Health groups = durable.health();
            java.util.Map<String, Object> details = new java.util.LinkedHashMap<>();
            details.put("status", groups.getStatus().getCode());
            details.putAll(groups.getDetails());
            health.withDetail("durable", details);
        }
        return health.build();
    }
}
