package io.pgnotify.core;

import java.sql.SQLException;
import java.time.Duration;
import java.util.Collection;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicReference;

/**
 * PostgreSQL LISTEN/NOTIFY over one dedicated connection.
 *
 * <p>Every channel shares one listening connection, opened from the {@link ConnectionProvider} and owned by one
 * thread. When it is lost the notifier reconnects with exponential backoff, LISTENs every channel again and then calls
 * {@link NotifierListener#onReconnect}: notifications sent while it was disconnected are lost, and that call is the
 * signal to resynchronise. Delivery is at most once; while connected nothing is lost.
 *
 * <p>Notifications go to handlers on worker threads through a bounded buffer: per subscription one at a time and in
 * order, different subscriptions in parallel. A full buffer is handled by the {@link OverflowPolicy}.
 *
 * <pre>{@code
 * Notifier notifier = Notifier.builder(ConnectionProvider.of(url, user, password)).build();
 * notifier.subscribe("orders", n -> System.out.println(n.payload()));
 * notifier.start();
 * notifier.publish("orders", "42");
 * notifier.close();
 * }</pre>
 *
 * <p>All methods are safe to call from any thread. Every thread the notifier starts is named {@code pgnotify-<name>-…},
 * except handler threads from a {@link Builder#threadFactory}.
 */
public final class Notifier implements AutoCloseable {

    private final Settings settings;
    private final Subscriptions subscriptions = new Subscriptions();
    private final Publisher publisher;
    private final AtomicReference<NotifierState> state = new AtomicReference<>(NotifierState.NEW);
    private final Lifecycle lifecycle;
    private final Supervisor supervisor;
    private final ListenerControl listener;

    Notifier(Settings settings) {
        this.settings = settings;
        this.publisher = new Publisher(settings.publisher(), settings.maxPayloadSize(), settings.pingTimeout());
        this.lifecycle = new Lifecycle(settings, subscriptions, publisher, state);
        this.supervisor = lifecycle.supervisor;
        this.listener = supervisor.control;
    }

    /**
     * Starts building a notifier.
     *
     * @param provider where the listening connection comes from (and, unless {@link Builder#publisher} says
     *     otherwise, publishing connections)
     * @return a builder with the defaults
     */
    public static Builder builder(ConnectionProvider provider) {
        return new Builder(provider);
    }

    /**
     * Subscribes a handler to a channel. The name is used exactly as given: {@code "OrderEvents"} hears
     * {@code pg_notify('OrderEvents', …)} and not {@code 'orderevents'}. Several handlers on one channel each get every
     * notification.
     *
     * <p>When the notifier is listening, this returns once the channel is listened to (or after the ping timeout,
     * should the connection be failing meanwhile); before {@link #start()} or while reconnecting, the subscription
     * takes effect when the connection is (re)established.
     *
     * @param channel the channel
     * @param handler the handler
     * @return the subscription, to unsubscribe
     * <p>A channel the server refuses to LISTEN to while the connection works (a name the database's encoding cannot
     * represent, say) rejects that subscription only: this throws when the notifier can tell at once; otherwise the
     * refusal goes to {@link NotifierListener#onError} with the channel and the channel shows in
     * {@link NotifierStatus#failedChannels()}. Every other channel keeps listening on the same connection.
     *
     * @throws IllegalArgumentException if the channel name is invalid, or the server refused to LISTEN to it
     * @throws IllegalStateException if the notifier is shut down
     */
    public Subscription subscribe(String channel, NotificationHandler handler) {
        NotifyLimits.checkChannel(channel);
        Objects.requireNonNull(handler, "'handler' must not be null");
        lifecycle.requireNotStopped("subscribe to '" + channel + "'");
        long before = subscriptions.version();
        Subscriptions.Entry entry = subscriptions.add(channel, handler);
        entry.onChange = listener::channelsChanged;
        if (subscriptions.version() != before) {
            listener.channelsChanged();
            listener.awaitListened(channel, settings.pingTimeout());
            String refused = supervisor.rejection(channel);
            if (refused != null) {
                entry.unsubscribe();
                throw new IllegalArgumentException(
                        "The server refused to LISTEN to channel '" + channel + "': " + refused);
            }
        }
        return entry;
    }

    /**
     * Starts listening in the background; returns at once. Connection failures are retried with backoff and reported
     * to {@link NotifierListener#onError}.
     *
     * <p>After {@link #stop(Duration)} this starts again with the same subscriptions. Notifications sent while stopped
     * are lost: once listening again, the gap is announced like a reconnect, with
     * {@link NotifierListener#onReconnect(int, Duration)} giving the time since the stop.
     *
     * @throws IllegalStateException if already started, stopping, or shut down by {@link #shutdown} or {@link #close}
     */
    public synchronized void start() {
        lifecycle.start();
    }

    /**
     * Sends a notification, outside any transaction of the caller's.
     *
     * @param channel the channel, exact and case-sensitive
     * @param payload the payload, at most {@code maxPayloadSize} UTF-8 bytes
     * @throws IllegalArgumentException if the channel or payload is invalid; nothing is sent
     * @throws SQLException if the server refuses it or cannot be reached
     */
    public void publish(String channel, String payload) throws SQLException {
        lifecycle.requireNotStopped("publish to '" + channel + "'");
        publisher.publish(channel, payload);
    }

    /**
     * Sends notifications on one channel in one round trip and one transaction, in order.
     *
     * @param channel the channel, exact and case-sensitive
     * @param payloads the payloads, each at most {@code maxPayloadSize} UTF-8 bytes
     * @throws IllegalArgumentException if the channel or any payload is invalid; nothing is sent
     * @throws SQLException if the server refuses them or cannot be reached
     */
    public void publishAll(String channel, Collection<String> payloads) throws SQLException {
        lifecycle.requireNotStopped("publish to '" + channel + "'");
        publisher.publishAll(channel, payloads);
    }

    /**
     * Replaces the listening session make-before-break: a new session LISTENs to the same channels, a marker on the
     * notifier's private channel cuts the server's notification order, the old session delivers up to it and the new
     * one from just after it, then the old one is closed. Nothing is lost or delivered twice, and it is not a
     * reconnect: {@link NotifierListener#onRotate} is called, not {@code onReconnect}. If the new session cannot be
     * opened, LISTENed or verified within the ping timeout, the rotation is abandoned and the old session goes on.
     * Should the old session die meanwhile, the new one takes over and the possible gap is announced as a reconnect.
     *
     * @return completes (on the control thread) once the old session is closed; exceptionally when the rotation was
     *     abandoned or the notifier is not listening
     */
    public CompletableFuture<Void> rotate() {
        return supervisor.rotations.requestRotation();
    }

    /**
     * Shuts down gracefully and for good: stops reading, UNLISTENs, lets buffered notifications finish within the
     * timeout, then interrupts the handlers still running, closes the connections and ends every thread. Idempotent.
     * Afterwards nothing can be subscribed, published or started.
     *
     * <p>Called from one of this notifier's own threads (a handler or hook), it cannot wait for that thread: it begins
     * the shutdown on a thread of its own and returns {@code false} at once.
     *
     * @param timeout how long to wait in all
     * @return whether everything finished in time
     */
    public boolean shutdown(Duration timeout) {
        Objects.requireNonNull(timeout, "'timeout' must not be null");
        return lifecycle.shutdown(timeout);
    }

    /**
     * Stops like {@link #shutdown(Duration)} (buffered notifications finish within the timeout, threads and the
     * listening connection end) but keeps the subscriptions, so that {@link #start()} can listen again. While stopped,
     * notifications are lost; subscribing and publishing still work. {@link #close()} stays terminal. Called from a
     * handler or hook, it begins the stop on a thread of its own and returns {@code false} at once.
     *
     * @param timeout how long to wait in all
     * @return whether everything finished in time
     */
    public boolean stop(Duration timeout) {
        Objects.requireNonNull(timeout, "'timeout' must not be null");
        return lifecycle.halt(timeout, false);
    }

    /** {@link #stop(Duration)} with the configured shutdown timeout. */
    public boolean stop() {
        return stop(settings.shutdownTimeout());
    }

    /** Shuts down with the configured shutdown timeout. */
    @Override
    public void close() {
        shutdown(settings.shutdownTimeout());
    }

    /**
     * The current state.
     *
     * @return the state
     */
    public NotifierState state() {
        return state.get();
    }

    /**
     * The channels with at least one subscriber.
     *
     * @return an unmodifiable snapshot
     */
    public Set<String> channels() {
        return Set.copyOf(subscriptions.channels());
    }

    /**
     * A snapshot for health checks.
     *
     * @return the status
     */
    public NotifierStatus status() {
        Dispatcher dispatcher = lifecycle.dispatcher();
        return supervisor
                .status(channels(), dispatcher.buffered())
                .withHandlers(dispatcher.stuckHandlers(), dispatcher.quarantined());
    }

    /** The current dispatcher's workers: for tests. */
    LaneWorkers workers() {
        return lifecycle.dispatcher().workers();
    }

    /**
     * The name used in thread names and log lines.
     *
     * @return the name
     */
    public String name() {
        return settings.name();
    }

    @Override
    public String toString() {
        return "Notifier[" + settings.name() + ", " + state.get() + "]";
    }

    static boolean awaitTermination(ExecutorService executor, long deadline) {
        return NotifierThreads.awaitTermination(executor, deadline);
    }

    /**
     * Builds a {@link Notifier}; every setting has a default and is checked when set. The settings and their
     * documentation are in the methods this class inherits.
     */
    public static final class Builder extends NotifierBuilder {

        private Builder(ConnectionProvider provider) {
            super(provider);
        }
    }
}
