package io.pgnotify.core.durable;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The SQL of one (channel, group): lease, batch reads, fenced acknowledgements and failures. Every write that only the
 * lease holder may make carries {@code owner = ? AND epoch = ?}; leases use the database clock only.
 */
final class GroupStore {

    /** The lease a consumer holds. */
    record Lease(long epoch, long position, long inflightMax) {}

    private final String channel;
    private final String group;
    private final String owner;
    private final long leaseMillis;

    GroupStore(String channel, String group, String owner, Duration leaseTimeout) {
        this.channel = channel;
        this.group = group;
        this.owner = owner;
        this.leaseMillis = leaseTimeout.toMillis();
    }

    String channel() {
        return channel;
    }

    String group() {
        return group;
    }

    /** Creates the group if new, then takes its lease when it is free or expired; {@code null} when another holds it. */
    @Nullable
    Lease acquire(Connection c, StartFrom startFrom) throws SQLException {
        try (PreparedStatement insert = c.prepareStatement("INSERT INTO pgnotify.durable_group (channel, group_name,"
                + " position, inflight_max) SELECT ?, ?, p, p FROM (SELECT CASE WHEN ? THEN 0 ELSE"
                + " (SELECT coalesce(max(id), 0) FROM pgnotify.durable_message WHERE channel = ?) END AS p) s"
                + " ON CONFLICT DO NOTHING")) {
            insert.setString(1, channel);
            insert.setString(2, group);
            insert.setBoolean(3, startFrom == StartFrom.EARLIEST);
            insert.setString(4, channel);
            insert.executeUpdate();
        }
        try (PreparedStatement update = c.prepareStatement("UPDATE pgnotify.durable_group SET owner = ?,"
                + " epoch = epoch + 1, lease_until = clock_timestamp() + ? * interval '1 millisecond',"
                + " updated_at = clock_timestamp() WHERE channel = ? AND group_name = ?"
                + " AND (owner IS NULL OR owner = ? OR lease_until < clock_timestamp())"
                + " RETURNING epoch, position, inflight_max")) {
            update.setString(1, owner);
            update.setLong(2, leaseMillis);
            update.setString(3, channel);
            update.setString(4, group);
            update.setString(5, owner);
            try (ResultSet rs = update.executeQuery()) {
                return rs.next() ? new Lease(rs.getLong(1), rs.getLong(2), rs.getLong(3)) : null;
            }
        }
    }

    /**
     * Renews the lease and records the position and the highest id handed to the handler; {@code false} when fenced.
     */
    boolean advance(Connection c, long epoch, long position, long inflightMax) throws SQLException {
        try (PreparedStatement update = c.prepareStatement("UPDATE pgnotify.durable_group SET"
                + " position = greatest(position, ?), inflight_max = ?,"
                + " lease_until = clock_timestamp() + ? * interval '1 millisecond', updated_at = clock_timestamp()"
                + " WHERE channel = ? AND group_name = ? AND owner = ? AND epoch = ?")) {
            update.setLong(1, position);
            update.setLong(2, inflightMax);
            update.setLong(3, leaseMillis);
            update.setString(4, channel);
            update.setString(5, group);
            update.setString(6, owner);
            update.setLong(7, epoch);
            return update.executeUpdate() == 1;
        }
    }

    /** Gives the lease up so another instance can take over at once. */
    void release(Connection c, long epoch) throws SQLException {
        try (PreparedStatement update = c.prepareStatement("UPDATE pgnotify.durable_group SET owner = NULL,"
                + " lease_until = NULL WHERE channel = ? AND group_name = ? AND owner = ? AND epoch = ?")) {
            update.setString(1, channel);
            update.setString(2, group);
            update.setString(3, owner);
            update.setLong(4, epoch);
            update.executeUpdate();
        }
    }

    /** Messages after the position, in id order: per channel that is commit order (see the schema script). */
    List<DurableMessage> read(Connection c, long position, long inflightMax, int limit) throws SQLException {
        List<DurableMessage> batch = new ArrayList<>();
        try (PreparedStatement select = c.prepareStatement("SELECT id, key, payload, published_at"
                + " FROM pgnotify.durable_message WHERE channel = ? AND id > ? ORDER BY id LIMIT ?")) {
            select.setString(1, channel);
            select.setLong(2, position);
            select.setInt(3, limit);
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    long id = rs.getLong(1);
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
            return batch;
        }
        Map<Long, Integer> failures =
                failures(c, batch.get(0).id(), batch.get(batch.size() - 1).id());
        if (failures.isEmpty()) {
            return batch;
        }
        List<DurableMessage> withAttempts = new ArrayList<>(batch.size());
        for (DurableMessage m : batch) {
            Integer failed = failures.get(m.id());
            withAttempts.add(failed == null ? m : withAttempt(m, failed + 1));
        }
        return withAttempts;
    }

    static DurableMessage withAttempt(DurableMessage m, int attempt) {
        return new DurableMessage(m.id(), m.channel(), m.key(), m.payload(), attempt, m.publishedAt());
    }

    private Map<Long, Integer> failures(Connection c, long from, long to) throws SQLException {
        Map<Long, Integer> failures = new HashMap<>();
        try (PreparedStatement select = c.prepareStatement("SELECT message_id, attempts FROM pgnotify.durable_failure"
                + " WHERE channel = ? AND group_name = ? AND message_id BETWEEN ? AND ?")) {
            select.setString(1, channel);
            select.setString(2, group);
            select.setLong(3, from);
            select.setLong(4, to);
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    failures.put(rs.getLong(1), rs.getInt(2));
                }
            }
        }
        return failures;
    }

    /** Records a failure (fenced); returns the attempts made so far, or -1 when the lease was lost. */
    int recordFailure(Connection c, long epoch, DurableMessage m, Throwable error, int maxAttempts)
            throws SQLException {
        try (PreparedStatement upsert = c.prepareStatement("INSERT INTO pgnotify.durable_failure (channel,"
                + " group_name, message_id, attempts, last_error, dead) SELECT g.channel, g.group_name, ?, ?, ?,"
                + " ? >= ? FROM pgnotify.durable_group g WHERE g.channel = ? AND g.group_name = ? AND g.owner = ?"
                + " AND g.epoch = ? ON CONFLICT (channel, group_name, message_id) DO UPDATE SET"
                + " attempts = excluded.attempts, last_error = excluded.last_error, dead = excluded.dead,"
                + " redrive = durable_failure.redrive AND NOT excluded.dead, failed_at = clock_timestamp()"
                + " RETURNING attempts")) {
            upsert.setLong(1, m.id());
            upsert.setInt(2, m.attempt());
            upsert.setString(3, describe(error));
            upsert.setInt(4, m.attempt());
            upsert.setInt(5, maxAttempts);
            upsert.setString(6, channel);
            upsert.setString(7, group);
            upsert.setString(8, owner);
            upsert.setLong(9, epoch);
            try (ResultSet rs = upsert.executeQuery()) {
                return rs.next() ? rs.getInt(1) : -1;
            }
        }
    }

    /** Dead letters re-driven by an operator, for this group to deliver again. */
    List<DurableMessage> redriven(Connection c) throws SQLException {
        List<DurableMessage> messages = new ArrayList<>();
        try (PreparedStatement select = c.prepareStatement("SELECT m.id, m.key, m.payload, m.published_at,"
                + " f.attempts FROM pgnotify.durable_failure f JOIN pgnotify.durable_message m ON m.id = f.message_id"
                + " WHERE f.channel = ? AND f.group_name = ? AND f.redrive ORDER BY m.id LIMIT 100")) {
            select.setString(1, channel);
            select.setString(2, group);
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    messages.add(new DurableMessage(
                            rs.getLong(1),
                            channel,
                            rs.getString(2),
                            rs.getString(3),
                            rs.getInt(5) + 1,
                            rs.getTimestamp(4).toInstant()));
                }
            }
        }
        return messages;
    }

    /** A re-driven dead letter was handled: forget it. */
    void forgetFailure(Connection c, long messageId) throws SQLException {
        try (PreparedStatement delete = c.prepareStatement(
                "DELETE FROM pgnotify.durable_failure" + " WHERE channel = ? AND group_name = ? AND message_id = ?")) {
            delete.setString(1, channel);
            delete.setString(2, group);
            delete.setLong(3, messageId);
            delete.executeUpdate();
        }
    }

    static String describe(Throwable error) {
        String text = error.getClass().getName() + (error.getMessage() == null ? "" : ": " + error.getMessage());
        return text.length() > 2000 ? text.substring(0, 2000) : text;
    }
}
