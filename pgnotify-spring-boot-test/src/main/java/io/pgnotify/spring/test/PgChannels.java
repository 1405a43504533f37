package io.pgnotify.spring.test;

import io.pgnotify.core.Notifier;
import io.pgnotify.core.NotifierState;
import io.pgnotify.core.NotifierStatus;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.springframework.context.ApplicationContext;

/**
 * Waits until a {@link Notifier} listens to channels. PostgreSQL delivers a notification only to the sessions that
 * were listening when it was sent: a test that sends before the LISTEN took effect loses it. Wait first:
 *
 * <pre>{@code
 * PgChannels.awaitListening(context, "orders");
 * template.publish("orders", order);
 * }</pre>
 */
public final class PgChannels {

    /** How long the methods without a timeout wait. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    private static final Set<NotifierState> WAITING_STATES = EnumSet.of(
            NotifierState.NEW, NotifierState.CONNECTING, NotifierState.LISTENING, NotifierState.RECONNECTING);
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private PgChannels() {}

    /**
     * Waits until the application's notifier listens to the channels, at most {@link #DEFAULT_TIMEOUT}.
     *
     * @param context the application context holding the {@link Notifier}
     * @param channels the channels; none means every channel subscribed to
     * @throws AssertionError if they are not all listened to in time
     */
    public static void awaitListening(ApplicationContext context, String... channels) {
        awaitListening(context.getBean(Notifier.class), DEFAULT_TIMEOUT, channels);
    }

    /**
     * Waits until the notifier is connected and listens to the channels on its current connection.
     *
     * @param notifier the notifier
     * @param timeout how long to wait at most
     * @param channels the channels; none means every channel subscribed to
     * @throws AssertionError if they are not all listened to in time, naming those missing and the notifier's state
     */
    public static void awaitListening(Notifier notifier, Duration timeout, String... channels) {
        Objects.requireNonNull(notifier, "'notifier' must not be null");
        Objects.requireNonNull(timeout, "'timeout' must not be null");
        long deadline = System.nanoTime() + timeout.toNanos();
        Set<String> named = new LinkedHashSet<>(Arrays.asList(channels));
        while (true) {
            NotifierStatus status = notifier.status();
            Set<String> wanted = named.isEmpty() ? status.channels() : named;
            if (status.state() == NotifierState.LISTENING
                    && status.listenedChannels().containsAll(wanted)) {
                return;
            }
            if (!WAITING_STATES.contains(status.state())) {
                throw new AssertionError(notListening(status, wanted, "will not listen to"));
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new AssertionError(notListening(status, wanted, "did not listen to") + " within " + timeout);
            }
            LockSupport.parkNanos(POLL_NANOS);
            if (Thread.interrupted()) {
                Thread.currentThread().interrupt();
                throw new AssertionError(
                        "Interrupted while waiting for notifier '" + notifier.name() + "' to listen to " + wanted);
            }
        }
    }

    private static String notListening(NotifierStatus status, Set<String> wanted, String verdict) {
        Set<String> missing = new LinkedHashSet<>(wanted);
        missing.removeAll(status.listenedChannels());
        String unsubscribed = missing.stream()
                .filter(channel -> !status.channels().contains(channel))
                .toList()
                .toString();
        return "Notifier '" + status.name() + "' " + verdict + " " + missing + " (state " + status.state()
                + ", listening to " + status.listenedChannels()
                + (unsubscribed.equals("[]") ? "" : ", no subscriber for " + unsubscribed)
                + (status.lastError() != null ? ", last error: " + status.lastError() : "") + ")";
    }
}
