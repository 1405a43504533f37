package io.pgnotify.core.durable;

import io.pgnotify.core.ConnectionProvider;
import io.pgnotify.core.Notifier;
import java.time.Duration;
import java.util.Objects;
import java.util.UUID;

/**
 * The options of {@link DurableChannels.Builder}, with their defaults and checks; a class of its own so that
 * {@link DurableChannels} holds only the channels. Each setter returns the builder it was called on.
 */
abstract class DurableChannelsBuilder {

    private final Notifier notifier;
    private final ConnectionProvider connections;
    private String instance = "pgnotify-" + UUID.randomUUID().toString().substring(0, 8);
    private Duration pollInterval = Duration.ofSeconds(1);
    private Duration leaseTimeout = Duration.ofSeconds(30);
    private int maxAttempts = 5;
    private RetryBackoff retryBackoff = new RetryBackoff(Duration.ofSeconds(1), 2.0, Duration.ofMinutes(1));
    private int batchSize = 100;
    private Duration retention = Duration.ofDays(7);
    private StartFrom startFrom = StartFrom.LATEST;
    private DurableListener listener = new DurableListener() {};

    DurableChannelsBuilder(Notifier notifier, ConnectionProvider connections) {
        this.notifier = Objects.requireNonNull(notifier, "'notifier' must not be null");
        this.connections = Objects.requireNonNull(connections, "'connections' must not be null");
    }

    /**
     * This instance's name in leases and logs; default {@code pgnotify-} and a random suffix. Must differ
     * between instances.
     *
     * @param instance the name
     * @return this builder
     */
    public DurableChannels.Builder instance(String instance) {
        Objects.requireNonNull(instance, "'instance' must not be null");
        if (instance.isBlank()) {
            throw new IllegalArgumentException("'instance' must not be blank");
        }
        this.instance = instance;
        return self();
    }

    /**
     * The fallback poll: how often a consumer looks for messages without a doorbell; default 1 s.
     *
     * @param interval positive
     * @return this builder
     */
    public DurableChannels.Builder pollInterval(Duration interval) {
        this.pollInterval = positive("pollInterval", interval);
        return self();
    }

    /**
     * How long a lease lasts without renewal before another instance may take the group over; default 30 s.
     * A handler running longer than this on one message may see it handed to another instance.
     *
     * @param timeout at least 100 ms
     * @return this builder
     */
    public DurableChannels.Builder leaseTimeout(Duration timeout) {
        positive("leaseTimeout", timeout);
        if (timeout.toMillis() < 100) {
            throw new IllegalArgumentException("'leaseTimeout' must be at least 100 ms, got " + timeout);
        }
        this.leaseTimeout = timeout;
        return self();
    }

    /**
     * Attempts per message before it is dead-lettered; default 5.
     *
     * @param attempts at least 1
     * @return this builder
     */
    public DurableChannels.Builder maxAttempts(int attempts) {
        if (attempts < 1) {
            throw new IllegalArgumentException("'maxAttempts' must be at least 1, got " + attempts);
        }
        this.maxAttempts = attempts;
        return self();
    }

    /**
     * The wait before retrying a failed message; default 1 s doubling up to 1 min.
     *
     * @param backoff the backoff
     * @return this builder
     */
    public DurableChannels.Builder retryBackoff(RetryBackoff backoff) {
        this.retryBackoff = Objects.requireNonNull(backoff, "'retryBackoff' must not be null");
        return self();
    }

    /**
     * Messages read per batch (the position is written once per batch); default 100.
     *
     * @param size 1 to 10,000
     * @return this builder
     */
    public DurableChannels.Builder batchSize(int size) {
        if (size < 1 || size > 10_000) {
            throw new IllegalArgumentException("'batchSize' must be between 1 and 10000, got " + size);
        }
        this.batchSize = size;
        return self();
    }

    /**
     * How long handled messages are kept; default 7 days.
     *
     * @param retention positive
     * @return this builder
     */
    public DurableChannels.Builder retention(Duration retention) {
        this.retention = positive("retention", retention);
        return self();
    }

    /**
     * Where a new group starts; default {@link StartFrom#LATEST}.
     *
     * @param startFrom where
     * @return this builder
     */
    public DurableChannels.Builder startFrom(StartFrom startFrom) {
        this.startFrom = Objects.requireNonNull(startFrom, "'startFrom' must not be null");
        return self();
    }

    /**
     * Hooks for metrics and logging.
     *
     * @param listener the hooks
     * @return this builder
     */
    public DurableChannels.Builder listener(DurableListener listener) {
        this.listener = Objects.requireNonNull(listener, "'listener' must not be null");
        return self();
    }

    /**
     * Builds; consumers start with {@link DurableChannels#start()}.
     *
     * @return the durable channels
     */
    public DurableChannels build() {
        DurableSettings settings = new DurableSettings(
                instance,
                pollInterval,
                leaseTimeout,
                maxAttempts,
                retryBackoff,
                batchSize,
                retention,
                startFrom,
                new SafeDurableListener(listener, instance));
        return new DurableChannels(notifier, connections, settings);
    }

    private static Duration positive(String name, Duration value) {
        Objects.requireNonNull(value, "'" + name + "' must not be null");
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException("'" + name + "' must be positive, got " + value);
        }
        return value;
    }

    private DurableChannels.Builder self() {
        return (DurableChannels.Builder) this;
    }
}
