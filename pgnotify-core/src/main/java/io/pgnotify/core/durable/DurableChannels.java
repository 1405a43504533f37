package io.pgnotify.core.durable;

import io.pgnotify.core.ConnectionProvider;
import io.pgnotify.core.Notifier;
import io.pgnotify.core.Subscription;
import java.sql.SQLException;
import java.util.List;
import java.util.Objects;
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

    /** The most partitions a subscription may have: each one is a thread in every instance. */
    public static final int MAX_PARTITIONS = 256;

    private static final Logger log = LoggerFactory.getLogger(DurableChannels.class);

    private final Notifier notifier;
    private final DurableSettings settings;
    private final DurableConsumers consumers;
    private final DurableOperations operations;
    private final DurableRetention retention;
    private volatile @Nullable Subscription doorbell;
    private volatile boolean started;
    private volatile boolean closed;

    DurableChannels(Notifier notifier, ConnectionProvider connections, DurableSettings settings) {
        this.notifier = notifier;
        this.settings = settings;
        this.consumers = new DurableConsumers(connections, settings);
        this.operations = new DurableOperations(connections);
        this.retention = new DurableRetention(operations, settings);
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
        consumers.add(channel, group, partitions, handler, transactional, started);
    }

    static void checkPartitions(String channel, String group, int partitions) {
        if (partitions < 1 || partitions > MAX_PARTITIONS) {
            throw new IllegalArgumentException("'partitions' of channel '" + channel + "', group '" + group
                    + "' must be between 1 and " + MAX_PARTITIONS + ", got " + partitions);
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
        consumers.checkStoredPartitions();
        started = true;
        doorbell = notifier.subscribe(DOORBELL, n -> consumers.ringAll());
        consumers.start();
        if (!consumers.isEmpty()) {
            // Only an instance that consumes runs retention: one that only publishes may have no schema to read.
            retention.start();
        }
        log.info("[{}] durable channels started: {}", settings.instance(), consumers.names());
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
        consumers.ring(channel, group);
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
        return retention.retain();
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
        retention.stop();
        consumers.stop();
    }

    /**
     * Builds {@link DurableChannels}; every option has a default and is checked when set. The options and their
     * documentation are in the methods this class inherits.
     */
    public static final class Builder extends DurableChannelsBuilder {

        private Builder(Notifier notifier, ConnectionProvider connections) {
            super(notifier, connections);
        }
    }
}
