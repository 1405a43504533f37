package io.pgnotify.core.durable;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The SQL of one (channel, group, partition): lease, batch reads and fenced acknowledgements; its failures are
 * {@link GroupFailures}. Every write that
 * only the lease holder may make carries {@code owner = ? AND epoch = ?}; leases use the database clock only. A message
 * belongs to partition {@code pgnotify.durable_partition(key, partitions)}.
 */
final class GroupStore {

    /** The lease a consumer holds. */
    record Lease(long epoch, long position, long inflightMax) {}

    /**
     * A batch read after the position: this partition's messages, and the highest id the read went past (messages of
     * other partitions included), to which the position may move once the messages are handled.
     */
    record Batch(List<DurableMessage> messages, long scannedTo) {}

    /** The group exists with another partition count than the one subscribed. */
    static final class PartitionsChangedException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        PartitionsChangedException(String message) {
            super(message);
        }
    }

    private final String channel;
    private final String group;
    private final int partition;
    private final int partitions;
    private final String owner;
    private final long leaseMillis;
    private final GroupFailures failures;

    GroupStore(String channel, String group, int partition, int partitions, String owner, Duration leaseTimeout) {
        this.channel = channel;
        this.group = group;
        this.partition = partition;
        this.partitions = partitions;
        this.owner = owner;
        this.leaseMillis = leaseTimeout.toMillis();
        this.failures = new GroupFailures(channel, group, partition, partitions, owner);
    }

    /** The failed and dead-lettered messages of this (channel, group, partition). */
    GroupFailures failures() {
        return failures;
    }

    int partition() {
        return partition;
    }

    int partitions() {
        return partitions;
    }

    String channel() {
        return channel;
    }

    String group() {
        return group;
    }

    /**
     * Creates the group's partitions if the group is new, then takes this partition's lease when it is free or expired;
     * {@code null} when another holds it.
     *
     * @throws PartitionsChangedException if the group exists with another partition count
     */
    @Nullable
    Lease acquire(Connection c, StartFrom startFrom) throws SQLException {
        create(c, startFrom);
        try (PreparedStatement update = c.prepareStatement("UPDATE pgnotify.durable_group SET owner = ?,"
                + " epoch = epoch + 1, lease_until = clock_timestamp() + ? * interval '1 millisecond',"
                + " updated_at = clock_timestamp() WHERE channel = ? AND group_name = ? AND partition = ?"
                + " AND (owner IS NULL OR owner = ? OR lease_until < clock_timestamp())"
                + " RETURNING epoch, position, inflight_max")) {
            update.setString(1, owner);
            update.setLong(2, leaseMillis);
            update.setString(3, channel);
            update.setString(4, group);
            update.setInt(5, partition);
            update.setString(6, owner);
            try (ResultSet rs = update.executeQuery()) {
                return rs.next() ? new Lease(rs.getLong(1), rs.getLong(2), rs.getLong(3)) : null;
            }
        }
    }

    /**
     * Creates every partition of a new group in one transaction, under a lock on the group, so that instances
     * configured with different counts cannot leave a mix; then checks the stored count.
     *
     * @throws PartitionsChangedException if the group exists with another partition count
     */
    void create(Connection c, StartFrom startFrom) throws SQLException {
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        try {
            try (PreparedStatement lock =
                    c.prepareStatement("SELECT pg_advisory_xact_lock(1885826415, hashtext(? || '/' || ?))")) {
                lock.setString(1, channel);
                lock.setString(2, group);
                lock.execute();
            }
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO pgnotify.durable_group (channel,"
                    + " group_name, partition, partitions, position, inflight_max) SELECT ?, ?, n, ?, p, p"
                    + " FROM generate_series(0, ? - 1) n, (SELECT CASE WHEN ? THEN 0 ELSE (SELECT coalesce(max(id), 0)"
                    + " FROM pgnotify.durable_message WHERE channel = ?) END AS p) s WHERE NOT EXISTS (SELECT 1"
                    + " FROM pgnotify.durable_group g WHERE g.channel = ? AND g.group_name = ?)")) {
                insert.setString(1, channel);
                insert.setString(2, group);
                insert.setInt(3, partitions);
                insert.setInt(4, partitions);
                insert.setBoolean(5, startFrom == StartFrom.EARLIEST);
                insert.setString(6, channel);
                insert.setString(7, channel);
                insert.setString(8, group);
                insert.executeUpdate();
            }
            int stored;
            try (PreparedStatement select = c.prepareStatement("SELECT max(partitions), count(*) FROM"
                    + " pgnotify.durable_group WHERE channel = ? AND group_name = ?")) {
                select.setString(1, channel);
                select.setString(2, group);
                try (ResultSet rs = select.executeQuery()) {
                    rs.next();
                    stored = rs.getInt(1);
                }
            }
            c.commit();
            if (stored != partitions) {
                throw new PartitionsChangedException(partitionsChanged(channel, group, stored, partitions));
            }
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(autoCommit);
        }
    }

    static String partitionsChanged(String channel, String group, int stored, int configured) {
        return "Channel '" + channel + "', group '" + group + "' is stored with " + stored + " partition(s) but is"
                + " subscribed with " + configured + ": each partition keeps its own position, so the count of an"
                + " existing group cannot change on the fly. Subscribe with " + stored + ", or stop every instance of"
                + " the group and call DurableChannels.repartition(\"" + channel + "\", \"" + group + "\", "
                + configured + ")";
    }

    /**
     * Renews the lease and records the position and the highest id handed to the handler; {@code false} when fenced.
     */
    boolean advance(Connection c, long epoch, long position, long inflightMax) throws SQLException {
        try (PreparedStatement update = c.prepareStatement("UPDATE pgnotify.durable_group SET"
                + " position = greatest(position, ?), inflight_max = ?,"
                + " lease_until = clock_timestamp() + ? * interval '1 millisecond', updated_at = clock_timestamp()"
                + " WHERE channel = ? AND group_name = ? AND partition = ? AND owner = ? AND epoch = ?")) {
            update.setLong(1, position);
            update.setLong(2, inflightMax);
            update.setLong(3, leaseMillis);
            update.setString(4, channel);
            update.setString(5, group);
            update.setInt(6, partition);
            update.setString(7, owner);
            update.setLong(8, epoch);
            return update.executeUpdate() == 1;
        }
    }

    /** Gives the lease up so another instance can take over at once. */
    void release(Connection c, long epoch) throws SQLException {
        try (PreparedStatement update = c.prepareStatement("UPDATE pgnotify.durable_group SET owner = NULL,"
                + " lease_until = NULL WHERE channel = ? AND group_name = ? AND partition = ? AND owner = ?"
                + " AND epoch = ?")) {
            update.setString(1, channel);
            update.setString(2, group);
            update.setInt(3, partition);
            update.setString(4, owner);
            update.setLong(5, epoch);
            update.executeUpdate();
        }
    }

    /**
     * This partition's messages after the position, in id order: per channel that is commit order (see the schema
     * script). With several partitions the read goes over up to {@code limit * partitions} messages of the channel, so
     * a partition that has none of them still moves past them.
     */
    Batch read(Connection c, long position, long inflightMax, int limit) throws SQLException {
        List<DurableMessage> batch = new ArrayList<>();
        long scannedTo = position;
        try (PreparedStatement select = partitions == 1
                ? c.prepareStatement("SELECT id, key, payload, published_at, true FROM pgnotify.durable_message"
                        + " WHERE channel = ? AND id > ? ORDER BY id LIMIT ?")
                : c.prepareStatement("SELECT id, key, CASE WHEN mine THEN payload END, published_at, mine FROM"
                        + " (SELECT id, key, payload, published_at, pgnotify.durable_partition(key, ?) = ? AS mine"
                        + " FROM pgnotify.durable_message WHERE channel = ? AND id > ? ORDER BY id LIMIT ?) s"
                        + " ORDER BY id")) {
            int i = 1;
            if (partitions > 1) {
                select.setInt(i++, partitions);
                select.setInt(i++, partition);
            }
            select.setString(i++, channel);
            select.setLong(i++, position);
            select.setInt(i, (int) Math.min(100_000, (long) limit * partitions));
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    long id = rs.getLong(1);
                    scannedTo = id;
                    if (!rs.getBoolean(5)) {
                        continue;
                    }
                    int attempt = id <= inflightMax ? 2 : 1;
                    batch.add(new DurableMessage(
                            id,
                            channel,
                            rs.getString(2),
                            rs.getString(3),
                            attempt,
                            rs.getTimestamp(4).toInstant()));
                }
            }
        }
        if (batch.isEmpty()) {
            return new Batch(batch, scannedTo);
        }
        Map<Long, Integer> failures = this.failures.attempts(
                c, batch.get(0).id(), batch.get(batch.size() - 1).id());
        if (failures.isEmpty()) {
            return new Batch(batch, scannedTo);
        }
        List<DurableMessage> withAttempts = new ArrayList<>(batch.size());
        for (DurableMessage m : batch) {
            Integer failed = failures.get(m.id());
            withAttempts.add(failed == null ? m : withAttempt(m, failed + 1));
        }
        return new Batch(withAttempts, scannedTo);
    }

    static DurableMessage withAttempt(DurableMessage m, int attempt) {
        return new DurableMessage(m.id(), m.channel(), m.key(), m.payload(), attempt, m.publishedAt());
    }
}
