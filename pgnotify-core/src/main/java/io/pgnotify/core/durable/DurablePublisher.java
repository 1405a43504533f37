package io.pgnotify.core.durable;

import io.pgnotify.core.NotifyLimits;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Publishes to durable channels on a connection of the caller's, so the message joins the caller's transaction: it
 * is delivered if and only if that transaction commits (the outbox pattern, with no extra table).
 *
 * <p>While a transaction holds a message of a channel, other transactions publishing to the same channel wait for it
 * to end: that is what keeps ids in commit order per channel. Keep publishing transactions short, and publish to
 * several channels in one transaction in a consistent order.
 */
public final class DurablePublisher {

    private DurablePublisher() {}

    /**
     * Publishes one message.
     *
     * @param connection the caller's connection, in its transaction or in autocommit
     * @param channel the channel
     * @param key a key, or {@code null}
     * @param payload the payload
     * @return the message id
     * @throws SQLException if the insert fails
     */
    public static long publish(Connection connection, String channel, @Nullable String key, String payload)
            throws SQLException {
        Objects.requireNonNull(connection, "'connection' must not be null");
        checkChannel(channel);
        Objects.requireNonNull(payload, "'payload' must not be null");
        try (PreparedStatement statement = connection.prepareStatement("SELECT pgnotify.publish_durable(?, ?, ?)")) {
            statement.setString(1, channel);
            statement.setString(2, payload);
            statement.setString(3, key);
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /**
     * Publishes many messages to one channel in one statement, in iteration order.
     *
     * @param connection the caller's connection
     * @param channel the channel
     * @param payloads the payloads
     * @return the last id, or 0 when {@code payloads} is empty
     * @throws SQLException if the insert fails
     */
    public static long publishAll(Connection connection, String channel, Collection<String> payloads)
            throws SQLException {
        Objects.requireNonNull(connection, "'connection' must not be null");
        checkChannel(channel);
        Objects.requireNonNull(payloads, "'payloads' must not be null");
        if (payloads.isEmpty()) {
            return 0;
        }
        List<String> copy = List.copyOf(payloads);
        Array array = connection.createArrayOf("text", copy.toArray());
        try (PreparedStatement statement =
                connection.prepareStatement("SELECT pgnotify.publish_all_durable(?, ?::text[])")) {
            statement.setString(1, channel);
            statement.setArray(2, array);
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } finally {
            array.free();
        }
    }

    static void checkChannel(String channel) {
        NotifyLimits.checkChannel(channel);
    }
}
