package io.pgnotify.core;

import java.sql.SQLException;
import java.time.Duration;
import java.util.Collection;
import java.util.Objects;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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

    private static final Logger log = LoggerFactory.getLogger(Notifier.class);
    private static final AtomicInteger COUNTER = new AtomicInteger();

    private final Settings settings;
    private final SafeListener hooks;
    private final Subscriptions subscriptions = new Subscriptions();
    private final Publisher publisher;
    private final ListenerLoop loop;
    private final AtomicReference<NotifierState> state = new AtomicReference<>(NotifierState.NEW);
    // One set per run: start() after stop() makes new ones.
    private volatile Dispatcher dispatcher;
    private volatile ScheduledExecutorService watchdog;
    private volatile ExecutorService prober;
    private volatile ExecutorService control;
    private final ControlHooks controlHooks;
    private volatile Thread listenerThread;
    // Set by shutdown()/close(): no start() after it.
    private volatile boolean closed;
    // Every thread started for this notifier (listener, workers, watchdog, prober), so shutdown can wait for them.
    private final Queue<Thread> started = new ConcurrentLinkedQueue<>();
    // Marks those threads, whatever their names, so calls from them never wait on themselves.
    private final OwnedThreads owned = new OwnedThreads();

    private Notifier(Settings settings) {
        this.settings = settings;
        this.hooks = new SafeListener(settings.listener(), settings.name());
        this.publisher = new Publisher(settings.publisher(), settings.maxPayloadSize(), settings.pingTimeout());
        this.dispatcher = new Dispatcher(settings, subscriptions, hooks, threads("worker"));
        this.prober = Executors.newSingleThreadExecutor(threads("probe"));
        this.control = Executors.newSingleThreadExecutor(threads("control"));
        this.controlHooks = new ControlHooks(hooks, settings.name(), control);
        this.loop =
                new ListenerLoop(settings, subscriptions, dispatcher, controlHooks, state, publisher, prober, owned);
        this.watchdog = Executors.newSingleThreadScheduledExecutor(threads("watchdog"));
        this.listenerThread = listenerThread();
    }

    private Thread listenerThread() {
        Thread thread = new Thread(owned.wrap(loop), "pgnotify-" + settings.name() + "-listener");
        thread.setDaemon(true);
        return thread;
    }

    /** The threads and buffer of a new run, after {@link #stop(Duration)}; the subscriptions stay. */
    private void prepareRestart() {
        this.dispatcher = new Dispatcher(settings, subscriptions, hooks, threads("worker"));
        this.prober = Executors.newSingleThreadExecutor(threads("probe"));
        this.watchdog = Executors.newSingleThreadScheduledExecutor(threads("watchdog"));
        this.control = Executors.newSingleThreadExecutor(threads("control"));
        controlHooks.use(control);
        this.listenerThread = listenerThread();
        loop.restart(dispatcher, prober);
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
        requireNotStopped("subscribe to '" + channel + "'");
        long before = subscriptions.version();
        Subscriptions.Entry entry = subscriptions.add(channel, handler);
        entry.onChange = loop::channelsChanged;
        if (subscriptions.version() != before) {
            loop.channelsChanged();
            loop.awaitListened(channel, settings.pingTimeout());
            String refused = loop.rejection(channel);
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
        if (closed) {
            throw new IllegalStateException(
                    "Notifier '" + settings.name() + "' cannot start: it is shut down (" + state.get() + ")");
        }
        if (state.get() == NotifierState.STOPPED) {
            prepareRestart();
            if (!state.compareAndSet(NotifierState.STOPPED, NotifierState.CONNECTING)) {
                throw new IllegalStateException(
                        "Notifier '" + settings.name() + "' cannot start: it is " + state.get());
            }
        } else if (!state.compareAndSet(NotifierState.NEW, NotifierState.CONNECTING)) {
            throw new IllegalStateException("Notifier '" + settings.name() + "' cannot start: it is " + state.get());
        }
        Dispatcher dispatcher = this.dispatcher;
        long tick = Math.max(5, Math.min(250, settings.callbackTimeout().toMillis() / 4));
        watchdog.scheduleWithFixedDelay(dispatcher::checkTimeouts, tick, tick, TimeUnit.MILLISECONDS);
        listenerThread.start();
        log.info("[{}] started", settings.name());
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
        requireNotStopped("publish to '" + channel + "'");
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
        requireNotStopped("publish to '" + channel + "'");
        publisher.publishAll(channel, payloads);
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
        closed = true;
        return halt(timeout, true);
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
        return halt(timeout, false);
    }

    /** {@link #stop(Duration)} with the configured shutdown timeout. */
    public boolean stop() {
        return stop(settings.shutdownTimeout());
    }

    private boolean halt(Duration timeout, boolean terminal) {
        if (owned.isCurrent()) {
            // A handler or hook: waiting for the notifier's threads would wait on this very thread until the timeout.
            Thread stopper = new Thread(
                    () -> halt(timeout, terminal), "pgnotify-" + settings.name() + (terminal ? "-shutdown" : "-stop"));
            stopper.setDaemon(true);
            stopper.start();
            return false;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        NotifierState previous;
        do {
            previous = state.get();
            if (previous == NotifierState.STOPPING || previous == NotifierState.STOPPED) {
                boolean stopped = awaitStopped(deadline);
                if (terminal) {
                    stopped &= publisher.close(deadline);
                }
                return stopped;
            }
        } while (!state.compareAndSet(previous, NotifierState.STOPPING));

        Dispatcher dispatcher = this.dispatcher;
        ScheduledExecutorService watchdog = this.watchdog;
        ExecutorService prober = this.prober;
        ExecutorService control = this.control;
        Thread listenerThread = this.listenerThread;
        boolean clean = true;
        if (previous != NotifierState.NEW) {
            loop.stop(previous == NotifierState.LISTENING);
            clean &= loop.awaitExit(listenerThread, deadline);
        }
        clean &= dispatcher.drain(deadline);
        watchdog.shutdownNow();
        prober.shutdownNow();
        clean &= awaitTermination(watchdog, deadline) & awaitTermination(prober, deadline);
        // Announcements already made still reach the hooks, within the deadline.
        control.shutdown();
        if (!awaitTermination(control, deadline)) {
            clean = false;
            control.shutdownNow();
        }
        // Interrupted handlers got their grace in drain(); the threads themselves take a moment more to end.
        clean &= joinThreads(Math.max(deadline, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200)));
        if (terminal || closed) {
            clean &= publisher.close(deadline);
        } else {
            clean &= publisher.release(deadline);
        }
        synchronized (state) {
            state.set(NotifierState.STOPPED);
            state.notifyAll();
        }
        log.info(
                "[{}] {}{}",
                settings.name(),
                terminal ? "shut down" : "stopped",
                clean ? "" : " (not everything finished in time)");
        return clean;
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
        Dispatcher dispatcher = this.dispatcher;
        return loop.status(channels(), dispatcher.buffered())
                .withHandlers(dispatcher.stuckHandlers(), dispatcher.quarantined());
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

    private void requireNotStopped(String action) {
        NotifierState current = state.get();
        if (current == NotifierState.STOPPING || (closed && current == NotifierState.STOPPED)) {
            throw new IllegalStateException("Notifier '" + settings.name() + "' is " + current + "; cannot " + action);
        }
    }

    private boolean awaitStopped(long deadline) {
        synchronized (state) {
            while (state.get() != NotifierState.STOPPED) {
                long remaining = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (remaining <= 0) {
                    return false;
                }
                try {
                    state.wait(remaining);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return true;
        }
    }

    static boolean awaitTermination(ExecutorService executor, long deadline) {
        try {
            return executor.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private ThreadFactory threads(String role) {
        AtomicInteger count = new AtomicInteger();
        String prefix = "pgnotify-" + settings.name() + "-" + role;
        ThreadFactory custom = role.equals("worker") ? settings.handlerThreads() : null;
        return runnable -> {
            Runnable task = owned.wrap(runnable);
            Thread thread;
            if (custom != null) {
                thread = custom.newThread(task);
                if (thread == null) {
                    throw new IllegalStateException(
                            "The threadFactory of notifier '" + settings.name() + "' returned no thread");
                }
            } else {
                thread = new Thread(task, role.equals("worker") ? prefix + "-" + count.incrementAndGet() : prefix);
                thread.setDaemon(true);
            }
            started.removeIf(t -> t.getState() == Thread.State.TERMINATED);
            started.add(thread);
            return thread;
        };
    }

    /**
     * Waits for every thread this notifier started to end. An executor counts as terminated while its last thread is
     * still on its way out, so waiting for the executors alone would let shutdown return with threads alive.
     */
    private boolean joinThreads(long deadline) {
        for (Thread thread : started) {
            if (thread == Thread.currentThread()) {
                continue; // shutdown called from a handler or hook: this thread ends when it returns
            }
            try {
                thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            if (thread.isAlive()) {
                return false;
            }
        }
        return true;
    }

    /** Builds a {@link Notifier}; every setting has a default and is checked when set. */
    public static final class Builder {

        private final ConnectionProvider provider;
        private @Nullable ConnectionProvider publisher;
        private @Nullable String name;
        private Duration reconnectInterval = Duration.ofSeconds(1);
        private Duration maxReconnectInterval = Duration.ofSeconds(30);
        private int maxReconnectAttempts = 0;
        private double reconnectBackoffMultiplier = 2.0;
        private double reconnectJitter = 0.2;
        private int maxPayloadSize = NotifyLimits.MAX_PAYLOAD_BYTES;
        private Duration pingInterval = Duration.ofSeconds(30);
        private Duration pingTimeout = Duration.ofSeconds(5);
        private Duration callbackTimeout = Duration.ofSeconds(30);
        private int bufferSize = 100;
        private OverflowPolicy overflowPolicy = OverflowPolicy.BLOCK;
        private Duration shutdownTimeout = Duration.ofSeconds(10);
        private int maxWorkers = 64;
        private String applicationName = "pgnotify-listener";
        private @Nullable NotifierListener listener;
        private @Nullable ThreadFactory threadFactory;
        private int stuckHandlerBudget = 2;

        private Builder(ConnectionProvider provider) {
            this.provider = Objects.requireNonNull(provider, "'provider' must not be null");
        }

        /**
         * The name in thread names and log lines. Default: {@code notifier-N}.
         *
         * @param name a short name
         * @return this builder
         */
        public Builder name(String name) {
            Objects.requireNonNull(name, "'name' must not be null");
            if (name.isBlank()) {
                throw new IllegalArgumentException("'name' must not be blank");
            }
            this.name = name;
            return this;
        }

        /**
         * The delay after the first failed connection attempt; later ones grow by the multiplier. Default 1 s. The
         * first attempt after a disconnect is made at once.
         *
         * @param interval a positive duration
         * @return this builder
         */
        public Builder reconnectInterval(Duration interval) {
            this.reconnectInterval = positive("reconnectInterval", interval);
            return this;
        }

        /**
         * The longest delay between connection attempts. Default 30 s.
         *
         * @param interval a positive duration
         * @return this builder
         */
        public Builder maxReconnectInterval(Duration interval) {
            this.maxReconnectInterval = positive("maxReconnectInterval", interval);
            return this;
        }

        /**
         * How many failed connection attempts in a row before giving up ({@link NotifierState#FAILED}). Default 0:
         * never give up.
         *
         * @param attempts 0 or more
         * @return this builder
         */
        public Builder maxReconnectAttempts(int attempts) {
            if (attempts < 0) {
                throw new IllegalArgumentException(
                        "'maxReconnectAttempts' must be 0 (unlimited) or more, got " + attempts);
            }
            this.maxReconnectAttempts = attempts;
            return this;
        }

        /**
         * The factor by which the delay grows after each failed attempt. Default 2.0.
         *
         * @param multiplier at least 1.0
         * @return this builder
         */
        public Builder reconnectBackoffMultiplier(double multiplier) {
            if (!(multiplier >= 1.0) || Double.isInfinite(multiplier)) {
                throw new IllegalArgumentException(
                        "'reconnectBackoffMultiplier' must be at least 1.0, got " + multiplier);
            }
            this.reconnectBackoffMultiplier = multiplier;
            return this;
        }

        /**
         * The random spread of each delay, as a fraction of it. Default 0.2 (±20%).
         *
         * @param jitter from 0.0 to 1.0
         * @return this builder
         */
        public Builder reconnectJitter(double jitter) {
            if (!(jitter >= 0.0 && jitter <= 1.0)) {
                throw new IllegalArgumentException("'reconnectJitter' must be between 0.0 and 1.0, got " + jitter);
            }
            this.reconnectJitter = jitter;
            return this;
        }

        /**
         * The largest payload accepted by {@link #publish}, in UTF-8 bytes. Default 7999, PostgreSQL's limit.
         *
         * @param bytes from 1 to 7999
         * @return this builder
         */
        public Builder maxPayloadSize(int bytes) {
            NotifyLimits.checkMaxPayloadSize(bytes);
            this.maxPayloadSize = bytes;
            return this;
        }

        /**
         * How often the listening connection is pinged and probed end to end with a notification to itself. Default
         * 30 s. A connection that went silent is detected within this interval plus the ping timeout.
         *
         * @param interval a positive duration
         * @return this builder
         */
        public Builder pingInterval(Duration interval) {
            this.pingInterval = positive("pingInterval", interval);
            return this;
        }

        /**
         * How long a ping, a LISTEN or the probe may take before the connection is given up as dead. Default 5 s.
         *
         * @param timeout a positive duration
         * @return this builder
         */
        public Builder pingTimeout(Duration timeout) {
            this.pingTimeout = positive("pingTimeout", timeout);
            return this;
        }

        /**
         * How long a handler may run before it is reported as timed out and interrupted; its subscription waits for it
         * (the channel's other handlers do not), up to the {@link #stuckHandlerBudget}. Default 30 s.
         *
         * @param timeout a positive duration
         * @return this builder
         */
        public Builder callbackTimeout(Duration timeout) {
            this.callbackTimeout = positive("callbackTimeout", timeout);
            return this;
        }

        /**
         * How many notifications may wait for their handlers. Default 100.
         *
         * @param size at least 1
         * @return this builder
         */
        public Builder bufferSize(int size) {
            if (size < 1) {
                throw new IllegalArgumentException("'bufferSize' must be at least 1, got " + size);
            }
            this.bufferSize = size;
            return this;
        }

        /**
         * What to do when the buffer is full. Default {@link OverflowPolicy#BLOCK}.
         *
         * @param policy the policy
         * @return this builder
         */
        public Builder overflowPolicy(OverflowPolicy policy) {
            this.overflowPolicy = Objects.requireNonNull(policy, "'overflowPolicy' must not be null");
            return this;
        }

        /**
         * How long {@link #close()} waits for buffered notifications and threads. Default 10 s.
         *
         * @param timeout zero or positive
         * @return this builder
         */
        public Builder shutdownTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "'shutdownTimeout' must not be null");
            if (timeout.isNegative()) {
                throw new IllegalArgumentException("'shutdownTimeout' must not be negative, got " + timeout);
            }
            this.shutdownTimeout = timeout;
            return this;
        }

        /**
         * The most worker threads running handlers at once; channels beyond that wait their turn. Default 64.
         *
         * @param threads at least 1
         * @return this builder
         */
        public Builder maxWorkers(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("'maxWorkers' must be at least 1, got " + threads);
            }
            this.maxWorkers = threads;
            return this;
        }

        /**
         * The {@code application_name} of the listening connection, as seen in {@code pg_stat_activity}. Default
         * {@code pgnotify-listener}.
         *
         * @param applicationName at most 63 bytes
         * @return this builder
         */
        public Builder applicationName(String applicationName) {
            Objects.requireNonNull(applicationName, "'applicationName' must not be null");
            int bytes = NotifyLimits.utf8Length(applicationName);
            if (bytes > NotifyLimits.MAX_CHANNEL_BYTES) {
                throw new IllegalArgumentException(
                        "'applicationName' is " + bytes + " bytes; the limit is " + NotifyLimits.MAX_CHANNEL_BYTES);
            }
            this.applicationName = applicationName;
            return this;
        }

        /**
         * The hooks. Default: none (connection events and handler errors are still logged).
         *
         * @param listener the hooks
         * @return this builder
         */
        public Builder listener(NotifierListener listener) {
            this.listener = Objects.requireNonNull(listener, "'listener' must not be null");
            return this;
        }

        /**
         * Where the threads that run handlers come from, for instance {@code Thread.ofVirtual().factory()} on Java 21
         * or later. Default: daemon platform threads named {@code pgnotify-<name>-worker-N}. The listener, probe and
         * watchdog threads are always the notifier's own.
         *
         * @param factory makes one thread per call; the notifier starts and ends them
         * @return this builder
         */
        public Builder threadFactory(ThreadFactory factory) {
            this.threadFactory = Objects.requireNonNull(factory, "'threadFactory' must not be null");
            return this;
        }

        /**
         * How many callback timeouts a handler that ignores interruption may hold its subscription before the
         * subscription is quarantined. Default 2. A handler never runs twice at once, so a stuck handler holds one
         * thread and its subscription waits for it; once quarantined, the subscription's waiting and arriving
         * notifications are dropped and reported to {@link NotifierListener#onDrop} (with a
         * {@link SubscriptionQuarantinedException} to {@link NotifierListener#onError}), so that it holds no buffer
         * and every other subscription keeps flowing; it takes notifications again when the call returns.
         * {@link NotifierStatus#stuckHandlers()} and {@link NotifierStatus#quarantined()} show both.
         *
         * @param timeouts at least 1
         * @return this builder
         */
        public Builder stuckHandlerBudget(int timeouts) {
            if (timeouts < 1) {
                throw new IllegalArgumentException("'stuckHandlerBudget' must be at least 1, got " + timeouts);
            }
            this.stuckHandlerBudget = timeouts;
            return this;
        }

        /**
         * Where publishing connections come from. Default: the listening provider. A pooled provider lends a
         * connection per call; any other is kept open as one connection.
         *
         * @param publisher the provider
         * @return this builder
         */
        public Builder publisher(ConnectionProvider publisher) {
            this.publisher = Objects.requireNonNull(publisher, "'publisher' must not be null");
            return this;
        }

        /**
         * Builds the notifier; nothing connects before {@link Notifier#start()} or the first publish.
         *
         * @return a new notifier
         * @throws IllegalArgumentException if settings contradict each other
         */
        public Notifier build() {
            if (maxReconnectInterval.compareTo(reconnectInterval) < 0) {
                throw new IllegalArgumentException("'maxReconnectInterval' (" + maxReconnectInterval
                        + ") must not be less than 'reconnectInterval' (" + reconnectInterval + ")");
            }
            String resolvedName = name != null ? name : "notifier-" + COUNTER.incrementAndGet();
            return new Notifier(new Settings(
                    resolvedName,
                    provider,
                    publisher != null ? publisher : provider,
                    reconnectInterval,
                    maxReconnectInterval,
                    maxReconnectAttempts,
                    reconnectBackoffMultiplier,
                    reconnectJitter,
                    maxPayloadSize,
                    pingInterval,
                    pingTimeout,
                    callbackTimeout,
                    bufferSize,
                    overflowPolicy,
                    shutdownTimeout,
                    maxWorkers,
                    applicationName,
                    listener != null ? listener : new LoggingListener(resolvedName),
                    threadFactory,
                    stuckHandlerBudget));
        }

        private static Duration positive(String setting, Duration value) {
            Objects.requireNonNull(value, () -> "'" + setting + "' must not be null");
            if (value.isZero() || value.isNegative()) {
                throw new IllegalArgumentException("'" + setting + "' must be positive, got " + value);
            }
            return value;
        }
    }
}
