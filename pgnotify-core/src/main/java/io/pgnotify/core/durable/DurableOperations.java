package io.pgnotify.core.durable;

import io.pgnotify.core.ConnectionProvider;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** The operator's statements: group status, dead letters, re-drive and retention. */
final class DurableOperations {

    private final ConnectionProvider connections;

    DurableOperations(ConnectionProvider connections) {
        this.connections = connections;
    }

    List<GroupStatus> groups() throws SQLException {
        List<GroupStatus> groups = new ArrayList<>();
        try (Connection c = connections.getConnection();
                PreparedStatement select = c.prepareStatement("SELECT channel, group_name, min(position),"
                        + " sum(lag)::bigint, max(lag_age), string_agg(DISTINCT owner, ','), min(lease_until),"
                        + " (SELECT count(*) FROM pgnotify.durable_failure f WHERE f.channel = p.channel"
                        + " AND f.group_name = p.group_name AND f.dead AND NOT f.redrive), max(partitions)"
                        + " FROM (SELECT g.channel, g.group_name, g.position, g.partitions,"
                        + " (SELECT count(*) FROM pgnotify.durable_message m WHERE m.channel = g.channel"
                        + " AND m.id > g.position AND pgnotify.durable_partition(m.key, g.partitions) = g.partition)"
                        + " AS lag,"
                        + " coalesce(extract(epoch FROM clock_timestamp() - (SELECT min(m.published_at)"
                        + " FROM pgnotify.durable_message m WHERE m.channel = g.channel AND m.id > g.position"
                        + " AND pgnotify.durable_partition(m.key, g.partitions) = g.partition)) * 1000, 0)::bigint"
                        + " AS lag_age,"
                        + " CASE WHEN g.lease_until > clock_timestamp() THEN g.owner END AS owner,"
                        + " CASE WHEN g.lease_until > clock_timestamp() THEN g.lease_until END AS lease_until"
                        + " FROM pgnotify.durable_group g) p"
                        + " GROUP BY channel, group_name ORDER BY channel, group_name");
                ResultSet rs = select.executeQuery()) {
            while (rs.next()) {
                Timestamp lease = rs.getTimestamp(7);
                groups.add(new GroupStatus(
                        rs.getString(1),
                        rs.getString(2),
                        rs.getLong(3),
                        rs.getLong(4),
                        Duration.ofMillis(rs.getLong(5)),
                        rs.getString(6),
                        lease == null ? null : lease.toInstant(),
                        rs.getLong(8),
                        rs.getInt(9)));
            }
        }
        return groups;
    }

    List<DeadLetter> deadLetters(String channel, String group, int limit) throws SQLException {
        List<DeadLetter> letters = new ArrayList<>();
        try (Connection c = connections.getConnection();
                PreparedStatement select = c.prepareStatement("SELECT m.id, m.key, m.payload, m.published_at,"
                        + " f.attempts, f.last_error, f.failed_at FROM pgnotify.durable_failure f"
                        + " JOIN pgnotify.durable_message m ON m.id = f.message_id"
                        + " WHERE f.channel = ? AND f.group_name = ? AND f.dead AND NOT f.redrive"
                        + " ORDER BY m.id LIMIT ?")) {
            select.setString(1, channel);
            select.setString(2, group);
            select.setInt(3, Math.max(0, limit));
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    DurableMessage message = new DurableMessage(
                            rs.getLong(1),
                            channel,
                            rs.getString(2),
                            rs.getString(3),
                            rs.getInt(5),
                            rs.getTimestamp(4).toInstant());
                    letters.add(new DeadLetter(
                            group, message, rs.getString(6), rs.getTimestamp(7).toInstant()));
                }
            }
        }
        return letters;
    }

    int redrive(String channel, String group, @Nullable Long messageId) throws SQLException {
        try (Connection c = connections.getConnection();
                PreparedStatement update = c.prepareStatement("UPDATE pgnotify.durable_failure SET redrive = true,"
                        + " dead = false, attempts = 0 WHERE channel = ? AND group_name = ? AND dead"
                        + " AND (?::bigint IS NULL OR message_id = ?)")) {
            update.setString(1, channel);
            update.setString(2, group);
            update.setObject(3, messageId);
            update.setObject(4, messageId);
            return update.executeUpdate();
        }
    }

    /** Replaces a group's partitions, all at the lowest old position, refusing while any is leased. */
    void repartition(String channel, String group, int partitions) throws SQLException {
        try (Connection c = connections.getConnection()) {
            c.setAutoCommit(false);
            try {
                long position;
                long inflightMax;
                long epoch;
                try (PreparedStatement select = c.prepareStatement("SELECT min(position),"
                        + " max(greatest(inflight_max, position)), max(epoch), count(*),"
                        + " string_agg(CASE WHEN lease_until > clock_timestamp() THEN partition || ' by ' || owner"
                        + " END, ', ') FROM (SELECT * FROM pgnotify.durable_group WHERE channel = ? AND group_name = ?"
                        + " FOR UPDATE) g")) {
                    select.setString(1, channel);
                    select.setString(2, group);
                    try (ResultSet rs = select.executeQuery()) {
                        rs.next();
                        if (rs.getLong(4) == 0) {
                            throw new IllegalStateException(
                                    "Channel '" + channel + "', group '" + group + "' does not exist: nothing to"
                                            + " repartition (a new group is created with the count it is subscribed"
                                            + " with)");
                        }
                        String leased = rs.getString(5);
                        if (leased != null) {
                            throw new IllegalStateException("Channel '" + channel + "', group '" + group
                                    + "' cannot be repartitioned while consumed: partition " + leased
                                    + " holds a lease; stop every instance of the group first");
                        }
                        position = rs.getLong(1);
                        inflightMax = rs.getLong(2);
                        epoch = rs.getLong(3);
                    }
                }
                try (PreparedStatement delete =
                        c.prepareStatement("DELETE FROM pgnotify.durable_group WHERE channel = ? AND group_name = ?")) {
                    delete.setString(1, channel);
                    delete.setString(2, group);
                    delete.executeUpdate();
                }
                try (PreparedStatement insert = c.prepareStatement("INSERT INTO pgnotify.durable_group (channel,"
                        + " group_name, partition, partitions, position, inflight_max, epoch)"
                        + " SELECT ?, ?, n, ?, ?, ?, ? FROM generate_series(0, ? - 1) n")) {
                    insert.setString(1, channel);
                    insert.setString(2, group);
                    insert.setInt(3, partitions);
                    insert.setLong(4, position);
                    insert.setLong(5, inflightMax);
                    insert.setLong(6, epoch + 1);
                    insert.setInt(7, partitions);
                    insert.executeUpdate();
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        }
    }

    /** Deletes in chunks, so no single statement holds many row locks or runs long. */
    long retain(Duration retention) throws SQLException {
        long total = 0;
        try (Connection c = connections.getConnection();
                PreparedStatement delete = c.prepareStatement("DELETE FROM pgnotify.durable_message WHERE id IN ("
                        + " SELECT m.id FROM pgnotify.durable_message m"
                        + " WHERE m.published_at < clock_timestamp() - ? * interval '1 millisecond'"
                        + " AND m.id <= coalesce((SELECT min(g.position) FROM pgnotify.durable_group g"
                        + " WHERE g.channel = m.channel), 9223372036854775807)"
                        + " AND NOT EXISTS (SELECT 1 FROM pgnotify.durable_failure f WHERE f.message_id = m.id"
                        + " AND (f.dead OR f.redrive))"
                        + " ORDER BY m.id LIMIT 5000)")) {
            c.setAutoCommit(true);
            delete.setLong(1, retention.toMillis());
            int deleted;
            do {
                deleted = delete.executeUpdate();
                total += deleted;
            } while (deleted == 5000);
        }
        return total;
    }
}
