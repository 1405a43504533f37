package io.pgnotify.core.durable;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The failures of one (channel, group, partition) in {@code pgnotify.durable_failure}: the attempts each failed message
 * has had, dead letters, and those an operator re-drove. Recording a failure is fenced like every write of the lease
 * holder ({@code owner = ? AND epoch = ?}).
 */
final class GroupFailures {

    private final String channel;
    private final String group;
    private final int partition;
    private final int partitions;
    private final String owner;

    GroupFailures(String channel, String group, int partition, int partitions, String owner) {
        this.channel = channel;
        this.group = group;
        this.partition = partition;
        this.partitions = partitions;
        this.owner = owner;
    }

    /** How many times each message of the id range has failed, for those that have. */
    Map<Long, Integer> attempts(Connection c, long from, long to) throws SQLException {
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
                + " ? >= ? FROM pgnotify.durable_group g WHERE g.channel = ? AND g.group_name = ?"
                + " AND g.partition = ? AND g.owner = ? AND g.epoch = ? ON CONFLICT (channel, group_name, message_id) DO UPDATE SET"
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
            upsert.setInt(8, partition);
            upsert.setString(9, owner);
            upsert.setLong(10, epoch);
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
                + " WHERE f.channel = ? AND f.group_name = ? AND f.redrive"
                + " AND pgnotify.durable_partition(m.key, ?) = ? ORDER BY m.id LIMIT 100")) {
            select.setString(1, channel);
            select.setString(2, group);
            select.setInt(3, partitions);
            select.setInt(4, partition);
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
