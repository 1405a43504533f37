package io.pgnotify.spring.test;

import io.pgnotify.core.Notification;
import io.pgnotify.core.Notifier;
import io.pgnotify.core.Subscription;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import org.springframework.context.ApplicationContext;

/**
 * Records every notification that arrives on some channels, to assert what was sent. Subscribes next to the
 * application's own listeners, which still get every notification, and returns only once the channels are listened
 * to, so nothing sent afterwards is missed.
 *
 * <pre>{@code
 * try (PgNotificationRecorder recorder = PgNotificationRecorder.listen(context, "orders")) {
 *     service.placeOrder(42);
 *     assertThat(recorder.awaitPayloads(1)).containsExactly("{\"id\":42}");
 * }
 * }</pre>
 */
public final class PgNotificationRecorder implements AutoCloseable {

    private final List<Subscription> subscriptions = new ArrayList<>();
    private final List<Notification> received = new ArrayList<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition arrived = lock.newCondition();
    private final Duration defaultTimeout;

    private PgNotificationRecorder(Duration defaultTimeout) {
        this.defaultTimeout = defaultTimeout;
    }

    /**
     * Starts recording the channels on the application's notifier, once they are listened to.
     *
     * @param context the application context holding the {@link Notifier}
     * @param channels the channels, at least one
     * @return the recorder; close it to unsubscribe
     */
    public static PgNotificationRecorder listen(ApplicationContext context, String... channels) {
        return listen(context.getBean(Notifier.class), PgChannels.DEFAULT_TIMEOUT, channels);
    }

    /**
     * Starts recording the channels, once they are listened to.
     *
     * @param notifier the notifier to subscribe to
     * @param timeout how long to wait for listening here, and for notifications in the methods without a timeout
     * @param channels the channels, at least one
     * @return the recorder; close it to unsubscribe
     * @throws AssertionError if the channels are not listened to in time
     */
    public static PgNotificationRecorder listen(Notifier notifier, Duration timeout, String... channels) {
        if (channels.length == 0) {
            throw new IllegalArgumentException("Name at least one channel to record");
        }
        PgNotificationRecorder recorder = new PgNotificationRecorder(timeout);
        try {
            for (String channel : channels) {
                recorder.subscriptions.add(notifier.subscribe(channel, recorder::record));
            }
            PgChannels.awaitListening(notifier, timeout, channels);
        } catch (RuntimeException | AssertionError e) {
            recorder.close();
            throw e;
        }
        return recorder;
    }

    private void record(Notification notification) {
        lock.lock();
        try {
            received.add(notification);
            arrived.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * What arrived so far, in order of arrival per channel.
     *
     * @return a snapshot
     */
    public List<Notification> notifications() {
        lock.lock();
        try {
            return List.copyOf(received);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until at least {@code count} notifications arrived, at most the recorder's timeout.
     *
     * @param count how many
     * @return every notification arrived so far
     * @throws AssertionError if fewer arrived in time, listing those that did
     */
    public List<Notification> awaitNotifications(int count) {
        return awaitNotifications(count, defaultTimeout);
    }

    /**
     * Waits until at least {@code count} notifications arrived.
     *
     * @param count how many
     * @param timeout how long to wait at most
     * @return every notification arrived so far
     * @throws AssertionError if fewer arrived in time, listing those that did
     */
    public List<Notification> awaitNotifications(int count, Duration timeout) {
        awaitUntil(() -> received.size() >= count, timeout, count + " notification(s)");
        return notifications();
    }

    /**
     * Waits until at least {@code count} notifications arrived, at most the recorder's timeout, and returns the
     * payloads.
     *
     * @param count how many
     * @return the payloads of every notification arrived so far
     * @throws AssertionError if fewer arrived in time
     */
    public List<String> awaitPayloads(int count) {
        return awaitNotifications(count).stream().map(Notification::payload).toList();
    }

    /**
     * Waits until a notification that matches arrives, at most the recorder's timeout.
     *
     * @param description what is awaited, for the failure message
     * @param matcher the test
     * @return the first notification that matches
     * @throws AssertionError if none arrived in time, listing those that did
     */
    public Notification awaitNotification(String description, Predicate<Notification> matcher) {
        Objects.requireNonNull(matcher, "'matcher' must not be null");
        awaitUntil(() -> received.stream().anyMatch(matcher), defaultTimeout, "a notification " + description);
        return notifications().stream().filter(matcher).findFirst().orElseThrow();
    }

    /** Forgets what arrived so far. */
    public void clear() {
        lock.lock();
        try {
            received.clear();
        } finally {
            lock.unlock();
        }
    }

    /** Unsubscribes: nothing more is recorded. When it was a channel's last subscriber, it is no longer listened to. */
    @Override
    public void close() {
        subscriptions.forEach(Subscription::unsubscribe);
    }

    private void awaitUntil(java.util.function.BooleanSupplier done, Duration timeout, String what) {
        long remaining = timeout.toNanos();
        lock.lock();
        try {
            while (!done.getAsBoolean()) {
                if (remaining <= 0) {
                    throw new AssertionError("No " + what + " within " + timeout + " on " + channels() + "; received "
                            + received.size() + ": " + received);
                }
                remaining = arrived.awaitNanos(remaining);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("Interrupted while waiting for " + what, e);
        } finally {
            lock.unlock();
        }
    }

    private List<String> channels() {
        return subscriptions.stream().map(Subscription::channel).toList();
    }

    @Override
    public String toString() {
        return "PgNotificationRecorder" + channels();
    }
}
