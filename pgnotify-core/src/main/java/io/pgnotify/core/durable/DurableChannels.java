package io.pgnotify.core.durable;

import io.pgnotify.core.ConnectionProvider;
import io.pgnotify.core.Notifier;
import io.pgnotify.core.Subscription;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Durable channels beside a {@link Notifier}: messages are rows of {@code pgnotify.durable_message}, each consumer
 * group keeps its own position, and the notifier's listening connection carries the doorbell that wakes consumers.
 * Every committed message reaches every group at least once, per channel in commit order; a fallback poll covers a
 * lost doorbell.
 *
 * <pre>{@code
 * DurableChannels durable = DurableChannels.builder(notifier, ConnectionProvider.of(dataSource)).build();
 * durable.subscribe("orders", "billing", message -> bill(message.payload()));
 * durable.start();
 * try (Connection c = dataSource.getConnection()) {
 *     DurablePublisher.publish(c, "orders", null, "{\"id\":42}");
 * }
 * }</pre>
 *
 * <p>A subscription may spread its channel over partitions by message key ({@link #subscribe(String, String, int,
 * DurableHandler)}): each partition is ordered, leased and positioned on its own, so instances and threads work a
 * channel in parallel while each key's messages stay in commit order. Each partition of a subscription runs on its own
 * thread, {@code pgnotify-durable-<channel>-<group>} (with {@code -p<partition>} when there are several). Safe for use
 * from any thread.
 */
public final class DurableChannels implements AutoCloseable {

    /** The private channel every publishing transaction notifies once. */
    public static final String DOORBELL = "pgnotify.durable";

    private static final Logger log = LoggerFactory.getLogger(DurableChannels.class);

    private final Notifier notifier;
    private final ConnectionProvider connections;
    private final DurableSettings settings;
    /** The most partitions a subscription may have: each one is a thread in every instance. */
    public static final int MAX_PARTITIONS = 256;

    private final Map<String, List<Consumer>> consumers = new ConcurrentHashMap<>();
    private final DurableOperations operations;
    private final ScheduledExecutorService retention;
    private volatile @Nullable Subscription doorbell;
    private volatile boolean started;
    private volatile boolean closed;

    private record Consumer(GroupStore store, GroupConsumer consumer, Thread thread) {}

    private DurableChannels(Notifier notifier, ConnectionProvider connections, DurableSettings settings) {
        this.notifier = notifier;
        this.connections = connections;
        this.settings = settings;
        this.operations = new DurableOperations(connections);
        this.retention = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "pgnotify-durable-retention");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Starts building.
     *
     * @param notifier the notifier whose connection receives the doorbell
     * @param connections where consumers' statements run: the database holding the {@code pgnotify} schema
     * @return a builder with the defaults
     */
    public static Builder builder(Notifier notifier, ConnectionProvider connections) {
        return new Builder(notifier, connections);
    }

    /**
     * Consumes a channel as a group. Across instances, one instance at a time holds a group's lease and handles its
     * messages; the others stand by and take over when it stops or its lease expires.
     *
     * @param channel the channel
     * @param group the group
     * @param handler the handler
     * @throws IllegalStateException if this (channel, group) is already subscribed here, or after {@link #close()}
     */
    public void subscribe(String channel, String group, DurableHandler handler) {
        subscribe(channel, group, 1, handler);
    }

    /**
     * Consumes a channel as a group spread over partitions: a message's partition is a stable hash of its key modulo
     * {@code partitions} (a message without a key is in partition 0), and each partition is handled in commit order,
     * one message at a time, by whichever instance holds that partition's lease. Different partitions run in parallel.
     * The count is stored with the group: an existing group must be subscribed with the same count (see {@link
     * #repartition}).
     *
     * @param channel the channel
     * @param group the group
     * @param partitions 1 to {@value #MAX_PARTITIONS}
     * @param handler the handler, called from one thread per partition
     * @throws IllegalStateException if this (channel, group) is already subscribed here, or after {@link #close()}
     */
    public void subscribe(String channel, String group, int partitions, DurableHandler handler) {
        Objects.requireNonNull(handler, "'handler' must not be null");
        add(channel, group, partitions, handler, null);
    }

    /**
     * Consumes a channel as a group, acknowledging each message inside the handler's own transaction.
     *
     * @param channel the channel
     * @param group the group
     * @param handler the handler
     * @throws IllegalStateException if this (channel, group) is already subscribed here, or after {@link #close()}
     */
    public void subscribe(String channel, String group, TransactionalDurableHandler handler) {
        subscribe(channel, group, 1, handler);
    }

    /**
     * Consumes a channel as a group spread over partitions (as {@link #subscribe(String, String, int,
     * DurableHandler)}), acknowledging each message inside the handler's own transaction.
     *
     * @param channel the channel
     * @param group the group
     * @param partitions 1 to {@value #MAX_PARTITIONS}
     * @param handler the handler, called from one thread per partition
     * @throws IllegalStateException if this (channel, group) is already subscribed here, or after {@link #close()}
     */
    public void subscribe(String channel, String group, int partitions, TransactionalDurableHandler handler) {
        Objects.requireNonNull(handler, "'handler' must not be null");
        add(channel, group, partitions, null, handler);
    }

    /**
     * Consumes a channel as a group a batch at a time, each batch handled and acknowledged in one transaction of the
     * handler's (see {@link TransactionalBatchDurableHandler}): a commit per batch instead of per message.
     *
     * @param channel the channel
     * @param group the group
     * @param partitions 1 to {@value #MAX_PARTITIONS}
     * @param handler the handler, called from one thread per partition
     * @throws IllegalStateException if this (channel, group) is already subscribed here, or after {@link #close()}
     */
    public void subscribeBatch(String channel, String group, int partitions, TransactionalBatchDurableHandler handler) {
        Objects.requireNonNull(handler, "'handler' must not be null");
        add(channel, group, partitions, null, handler);
    }

    private synchronized void add(
            String channel,
            String group,
            int partitions,
            @Nullable DurableHandler handler,
            @Nullable Object transactional) {
        DurablePublisher.checkChannel(channel);
        Objects.requireNonNull(group, "'group' must not be null");
        if (group.isBlank()) {
            throw new IllegalArgumentException("'group' must not be blank (channel '" + channel + "')");
        }
        checkPartitions(channel, group, partitions);
        if (closed) {
            throw new IllegalStateException("Durable channels are closed: cannot subscribe to '" + channel + "'");
        }
        String name = channel + "-" + group;
        if (consumers.containsKey(name)) {
            throw new IllegalStateException("Channel '" + channel + "', group '" + group + "' is already subscribed");
        }
        List<Consumer> partitionConsumers = new ArrayList<>(partitions);
        for (int p = 0; p < partitions; p++) {
            GroupStore store =
                    new GroupStore(channel, group, p, partitions, settings.instance(), settings.leaseTimeout());
            GroupConsumer consumer = new GroupConsumer(
                    store,
                    settings,
                    new ConsumerConnection(connections, settings.leaseTimeout()),
                    handler,
                    transactional);
            Thread thread = new Thread(consumer, "pgnotify-durable-" + name + (partitions > 1 ? "-p" + p : ""));
            thread.setDaemon(true);
            partitionConsumers.add(new Consumer(store, consumer, thread));
        }
        if (started) {
            checkStoredPartitions(partitionConsumers.get(0).store());
            partitionConsumers.forEach(c -> c.thread().start());
        }
        consumers.put(name, List.copyOf(partitionConsumers));
    }

    static void checkPartitions(String channel, String group, int partitions) {
        if (partitions < 1 || partitions > MAX_PARTITIONS) {
            throw new IllegalArgumentException("'partitions' of channel '" + channel + "', group '" + group
                    + "' must be between 1 and " + MAX_PARTITIONS + ", got " + partitions);
        }
    }

    /**
     * Fails fast when the group is stored with another partition count; a database that cannot be reached now is left
     * to the consumers, which check again before taking a lease.
     */
    private void checkStoredPartitions(GroupStore store) {
        try (ConsumerConnection connection = new ConsumerConnection(connections, settings.leaseTimeout())) {
            connection.with(c -> {
                store.create(c, settings.startFrom());
                return null;
            });
        } catch (SQLException e) {
            log.debug(
                    "[{}] channel '{}', group '{}' not checked at start ({}); its consumers check it",
                    settings.instance(),
                    store.channel(),
                    store.group(),
                    e.toString());
        }
    }

    /**
     * Subscribes the doorbell on the notifier and starts every consumer and the retention task. Returns at once.
     *
     * @throws IllegalStateException if already started or closed
     */
    public synchronized void start() {
        if (started || closed) {
            throw new IllegalStateException("Durable channels cannot start: " + (closed ? "closed" : "started"));
        }
        for (List<Consumer> subscription : consumers.values()) {
            checkStoredPartitions(subscription.get(0).store());
        }
        started = true;
        doorbell = notifier.subscribe(DOORBELL, n -> ringAll());
        consumers.values().forEach(list -> list.forEach(c -> c.thread().start()));
        if (!consumers.isEmpty()) {
            // Only an instance that consumes runs retention: one that only publishes may have no schema to read.
            long every = Math.max(1000, Math.min(settings.retention().toMillis(), 60_000));
            retention.scheduleWithFixedDelay(this::retainQuietly, every, every, TimeUnit.MILLISECONDS);
        }
        log.info("[{}] durable channels started: {}", settings.instance(), consumers.keySet());
    }

    private void ringAll() {
        consumers.values().forEach(list -> list.forEach(c -> c.consumer().ring()));
    }

    /**
     * Where every group of every channel stands, as stored in the database.
     *
     * @return one entry per (channel, group)
     * @throws SQLException if the query fails
     */
    public List<GroupStatus> groups() throws SQLException {
        return operations.groups();
    }

    /**
     * The dead letters of a group, oldest first.
     *
     * @param channel the channel
     * @param group the group
     * @param limit at most this many
     * @return the dead letters
     * @throws SQLException if the query fails
     */
    public List<DeadLetter> deadLetters(String channel, String group, int limit) throws SQLException {
        return operations.deadLetters(channel, group, limit);
    }

    /**
     * Hands dead letters of a group to its handler again (out of order, before the group's next batch), with fresh
     * attempts; a message that fails {@code maxAttempts} times again is dead again.
     *
     * @param channel the channel
     * @param group the group
     * @param messageId the message, or {@code null} for every dead letter of the group
     * @return how many were re-driven
     * @throws SQLException if the update fails
     */
    public int redrive(String channel, String group, @Nullable Long messageId) throws SQLException {
        int count = operations.redrive(channel, group, messageId);
        List<Consumer> local = consumers.get(channel + "-" + group);
        if (local != null) {
            local.forEach(c -> c.consumer().ring());
        }
        return count;
    }

    /**
     * Changes the partition count of a group while none of its partitions is leased (stop every instance consuming it
     * first). Every new partition starts at the lowest position of the old ones, so nothing is skipped; what some old
     * partitions had already handled is delivered again (with {@code attempt()} 2), each key still in commit order.
     *
     * @param channel the channel
     * @param group the group
     * @param partitions the new count, 1 to {@value #MAX_PARTITIONS}
     * @throws IllegalStateException if the group does not exist or a partition is leased
     * @throws SQLException if the statements fail
     */
    public void repartition(String channel, String group, int partitions) throws SQLException {
        checkPartitions(channel, group, partitions);
        operations.repartition(channel, group, partitions);
    }

    /**
     * Deletes messages every group of their channel has passed and that are older than the retention; runs on its own
     * at intervals after {@link #start()}.
     *
     * @return how many messages were deleted
     * @throws SQLException if the delete fails
     */
    public long retain() throws SQLException {
        return operations.retain(settings.retention());
    }

    private void retainQuietly() {
        try {
            long deleted = retain();
            if (deleted > 0) {
                log.debug("[{}] retention deleted {} messages", settings.instance(), deleted);
            }
            for (GroupStatus status : groups()) {
                if (status.lagAge().compareTo(settings.retention()) > 0) {
                    log.warn(
                            "[{}] channel '{}', group '{}' does not advance: {} messages behind, the oldest {} old,"
                                    + " beyond retention {}; its messages are kept",
                            settings.instance(),
                            status.channel(),
                            status.group(),
                            status.lag(),
                            status.lagAge(),
                            settings.retention());
                }
            }
        } catch (SQLException | RuntimeException e) {
            settings.listener().onError("*", null, e);
        }
    }

    /**
     * This instance's name in leases.
     *
     * @return the instance name
     */
    public String instance() {
        return settings.instance();
    }

    /**
     * Stops every consumer (each finishes the message in hand and releases its lease) and unsubscribes the doorbell.
     * Idempotent.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        Subscription bell = doorbell;
        if (bell != null) {
            bell.unsubscribe();
        }
        retention.shutdownNow();
        List<Consumer> all = consumers.values().stream().flatMap(List::stream).toList();
        all.forEach(c -> c.consumer().stop());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (Consumer c : all) {
            try {
                long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
                c.thread().join(left);
                if (c.thread().isAlive()) {
                    log.warn(
                            "[{}] {} still running 10 s after close",
                            settings.instance(),
                            c.thread().getName());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Options; each has a default. */
    public static final class Builder {
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

        private Builder(Notifier notifier, ConnectionProvider connections) {
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
        public Builder instance(String instance) {
            Objects.requireNonNull(instance, "'instance' must not be null");
            if (instance.isBlank()) {
                throw new IllegalArgumentException("'instance' must not be blank");
            }
            this.instance = instance;
            return this;
        }

        /**
         * The fallback poll: how often a consumer looks for messages without a doorbell; default 1 s.
         *
         * @param interval positive
         * @return this builder
         */
        public Builder pollInterval(Duration interval) {
            this.pollInterval = positive("pollInterval", interval);
            return this;
        }

        /**
         * How long a lease lasts without renewal before another instance may take the group over; default 30 s.
         * A handler running longer than this on one message may see it handed to another instance.
         *
         * @param timeout at least 100 ms
         * @return this builder
         */
        public Builder leaseTimeout(Duration timeout) {
            positive("leaseTimeout", timeout);
            if (timeout.toMillis() < 100) {
                throw new IllegalArgumentException("'leaseTimeout' must be at least 100 ms, got " + timeout);
            }
            this.leaseTimeout = timeout;
            return this;
        }

        /**
         * Attempts per message before it is dead-lettered; default 5.
         *
         * @param attempts at least 1
         * @return this builder
         */
        public Builder maxAttempts(int attempts) {
            if (attempts < 1) {
                throw new IllegalArgumentException("'maxAttempts' must be at least 1, got " + attempts);
            }
            this.maxAttempts = attempts;
            return this;
        }

        /**
         * The wait before retrying a failed message; default 1 s doubling up to 1 min.
         *
         * @param backoff the backoff
         * @return this builder
         */
        public Builder retryBackoff(RetryBackoff backoff) {
            this.retryBackoff = Objects.requireNonNull(backoff, "'retryBackoff' must not be null");
            return this;
        }

        /**
         * Messages read per batch (the position is written once per batch); default 100.
         *
         * @param size 1 to 10,000
         * @return this builder
         */
        public Builder batchSize(int size) {
            if (size < 1 || size > 10_000) {
                throw new IllegalArgumentException("'batchSize' must be between 1 and 10000, got " + size);
            }
            this.batchSize = size;
            return this;
        }

        /**
         * How long handled messages are kept; default 7 days.
         *
         * @param retention positive
         * @return this builder
         */
        public Builder retention(Duration retention) {
            this.retention = positive("retention", retention);
            return this;
        }

        /**
         * Where a new group starts; default {@link StartFrom#LATEST}.
         *
         * @param startFrom where
         * @return this builder
         */
        public Builder startFrom(StartFrom startFrom) {
            this.startFrom = Objects.requireNonNull(startFrom, "'startFrom' must not be null");
            return this;
        }

        /**
         * Hooks for metrics and logging.
         *
         * @param listener the hooks
         * @return this builder
         */
        public Builder listener(DurableListener listener) {
            this.listener = Objects.requireNonNull(listener, "'listener' must not be null");
            return this;
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
    }
}
