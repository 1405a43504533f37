package io.pgnotify.core;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * The settings of {@link Notifier.Builder}, with their defaults and checks; a class of its own so that
 * {@link Notifier} holds only the notifier. Each setter returns the builder it was called on.
 */
abstract class NotifierBuilder {

    private static final AtomicInteger COUNTER = new AtomicInteger();

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
    private @Nullable Duration maxLifetime;
    private int stuckHandlerBudget = 2;

    NotifierBuilder(ConnectionProvider provider) {
        this.provider = Objects.requireNonNull(provider, "'provider' must not be null");
    }

    /**
     * The name in thread names and log lines. Default: {@code notifier-N}.
     *
     * @param name a short name
     * @return this builder
     */
    public Notifier.Builder name(String name) {
        this.name = SettingChecks.notBlank("name", name);
        return self();
    }

    /**
     * The delay after the first failed connection attempt; later ones grow by the multiplier. Default 1 s. The
     * first attempt after a disconnect is made at once.
     *
     * @param interval a positive duration
     * @return this builder
     */
    public Notifier.Builder reconnectInterval(Duration interval) {
        this.reconnectInterval = SettingChecks.positive("reconnectInterval", interval);
        return self();
    }

    /**
     * The longest delay between connection attempts. Default 30 s.
     *
     * @param interval a positive duration
     * @return this builder
     */
    public Notifier.Builder maxReconnectInterval(Duration interval) {
        this.maxReconnectInterval = SettingChecks.positive("maxReconnectInterval", interval);
        return self();
    }

    /**
     * How many failed connection attempts in a row before giving up ({@link NotifierState#FAILED}). Default 0:
     * never give up.
     *
     * @param attempts 0 or more
     * @return this builder
     */
    public Notifier.Builder maxReconnectAttempts(int attempts) {
        this.maxReconnectAttempts = SettingChecks.unlimitedOrMore("maxReconnectAttempts", attempts);
        return self();
    }

    /**
     * The factor by which the delay grows after each failed attempt. Default 2.0.
     *
     * @param multiplier at least 1.0
     * @return this builder
     */
    public Notifier.Builder reconnectBackoffMultiplier(double multiplier) {
        this.reconnectBackoffMultiplier = SettingChecks.factor("reconnectBackoffMultiplier", multiplier);
        return self();
    }

    /**
     * The random spread of each delay, as a fraction of it. Default 0.2 (±20%).
     *
     * @param jitter from 0.0 to 1.0
     * @return this builder
     */
    public Notifier.Builder reconnectJitter(double jitter) {
        this.reconnectJitter = SettingChecks.fraction("reconnectJitter", jitter);
        return self();
    }

    /**
     * The largest payload accepted by {@link Notifier#publish}, in UTF-8 bytes. Default 7999, PostgreSQL's limit.
     *
     * @param bytes from 1 to 7999
     * @return this builder
     */
    public Notifier.Builder maxPayloadSize(int bytes) {
        NotifyLimits.checkMaxPayloadSize(bytes);
        this.maxPayloadSize = bytes;
        return self();
    }

    /**
     * How often the listening connection is pinged and probed end to end with a notification to itself. Default
     * 30 s. A connection that went silent is detected within this interval plus the ping timeout.
     *
     * @param interval a positive duration
     * @return this builder
     */
    public Notifier.Builder pingInterval(Duration interval) {
        this.pingInterval = SettingChecks.positive("pingInterval", interval);
        return self();
    }

    /**
     * How long a ping, a LISTEN or the probe may take before the connection is given up as dead. Default 5 s.
     *
     * @param timeout a positive duration
     * @return this builder
     */
    public Notifier.Builder pingTimeout(Duration timeout) {
        this.pingTimeout = SettingChecks.positive("pingTimeout", timeout);
        return self();
    }

    /**
     * How long a handler may run before it is reported as timed out and interrupted; its subscription waits for it
     * (the channel's other handlers do not), up to the {@link #stuckHandlerBudget}. Default 30 s.
     *
     * @param timeout a positive duration
     * @return this builder
     */
    public Notifier.Builder callbackTimeout(Duration timeout) {
        this.callbackTimeout = SettingChecks.positive("callbackTimeout", timeout);
        return self();
    }

    /**
     * How many notifications may wait for their handlers. Default 100.
     *
     * @param size at least 1
     * @return this builder
     */
    public Notifier.Builder bufferSize(int size) {
        this.bufferSize = SettingChecks.atLeastOne("bufferSize", size);
        return self();
    }

    /**
     * What to do when the buffer is full. Default {@link OverflowPolicy#BLOCK}.
     *
     * @param policy the policy
     * @return this builder
     */
    public Notifier.Builder overflowPolicy(OverflowPolicy policy) {
        this.overflowPolicy = Objects.requireNonNull(policy, "'overflowPolicy' must not be null");
        return self();
    }

    /**
     * How long {@link Notifier#close()} waits for buffered notifications and threads. Default 10 s.
     *
     * @param timeout zero or positive
     * @return this builder
     */
    public Notifier.Builder shutdownTimeout(Duration timeout) {
        this.shutdownTimeout = SettingChecks.notNegative("shutdownTimeout", timeout);
        return self();
    }

    /**
     * The most worker threads running handlers at once; channels beyond that wait their turn. Default 64.
     *
     * @param threads at least 1
     * @return this builder
     */
    public Notifier.Builder maxWorkers(int threads) {
        this.maxWorkers = SettingChecks.atLeastOne("maxWorkers", threads);
        return self();
    }

    /**
     * The {@code application_name} of the listening connection, as seen in {@code pg_stat_activity}. Default
     * {@code pgnotify-listener}.
     *
     * @param applicationName at most 63 bytes
     * @return this builder
     */
    public Notifier.Builder applicationName(String applicationName) {
        this.applicationName =
                SettingChecks.atMostBytes("applicationName", applicationName, NotifyLimits.MAX_CHANNEL_BYTES);
        return self();
    }

    /**
     * The hooks. Default: none (connection events and handler errors are still logged).
     *
     * @param listener the hooks
     * @return this builder
     */
    public Notifier.Builder listener(NotifierListener listener) {
        this.listener = Objects.requireNonNull(listener, "'listener' must not be null");
        return self();
    }

    /**
     * Where the threads that run handlers come from, for instance {@code Thread.ofVirtual().factory()} on Java 21
     * or later. Default: daemon platform threads named {@code pgnotify-<name>-worker-N}. The listener, probe and
     * watchdog threads are always the notifier's own.
     *
     * <p>With the default threads the workers take turns reading the connection: while notifications flow, the
     * worker that reads one runs a short handler itself, and a watching worker takes over reading if it turns slow
     * (within about the time between two notifications, at most 10 ms); otherwise it runs its handler once another
     * has taken over reading. No thread wake-up delays the handler. With a factory the listener thread reads and hands every notification to a thread of the factory, which costs
     * 20 to 60 µs more at the median on a 2-vCPU VM (docs/benchmarks.md).
     *
     * @param factory makes one thread per call; the notifier starts and ends them
     * @return this builder
     */
    public Notifier.Builder threadFactory(ThreadFactory factory) {
        this.threadFactory = Objects.requireNonNull(factory, "'threadFactory' must not be null");
        return self();
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
    public Notifier.Builder stuckHandlerBudget(int timeouts) {
        this.stuckHandlerBudget = SettingChecks.atLeastOne("stuckHandlerBudget", timeouts);
        return self();
    }

    /**
     * Replaces the listening session once it is this old, make-before-break and without a gap (see
     * {@link Notifier#rotate()}), with up to 10% jitter so that many notifiers do not rotate at once. For proxies and
     * poolers that age connections out, and for rotating credentials. Default: off.
     *
     * @param lifetime a positive duration
     * @return this builder
     */
    public Notifier.Builder maxLifetime(Duration lifetime) {
        this.maxLifetime = SettingChecks.positive("maxLifetime", lifetime);
        return self();
    }

    /**
     * Where publishing connections come from. Default: the listening provider. A pooled provider lends a
     * connection per call; any other is kept open as one connection.
     *
     * @param publisher the provider
     * @return this builder
     */
    public Notifier.Builder publisher(ConnectionProvider publisher) {
        this.publisher = Objects.requireNonNull(publisher, "'publisher' must not be null");
        return self();
    }

    /**
     * Builds the notifier; nothing connects before {@link Notifier#start()} or the first publish.
     *
     * @return a new notifier
     * @throws IllegalArgumentException if settings contradict each other
     */
    public Notifier build() {
        return new Notifier(settings());
    }

    /** The validated settings {@link #build} gives the notifier; also for measuring parts of it on their own. */
    Settings settings() {
        SettingChecks.notLess("maxReconnectInterval", maxReconnectInterval, "reconnectInterval", reconnectInterval);
        String resolvedName = name != null ? name : "notifier-" + COUNTER.incrementAndGet();
        return new Settings(
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
                maxLifetime,
                stuckHandlerBudget);
    }

    private Notifier.Builder self() {
        return (Notifier.Builder) this;
    }
}
