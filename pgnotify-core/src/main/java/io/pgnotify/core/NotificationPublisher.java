package io.pgnotify.core;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Collection;
import java.util.Objects;

/**
 * Sends notifications on a connection the caller owns, so they take part in its transaction: delivered at commit,
 * never after a rollback. Arguments are checked with {@link NotifyLimits} before anything is sent.
 */
public final class NotificationPublisher {

    static final String PUBLISH_SQL = "SELECT pg_notify(?, ?)";

    // One statement, one commit and one take of PostgreSQL's notify lock for the whole batch; ORDINALITY keeps order.
    static final String PUBLISH_ALL_SQL =
            "SELECT pg_notify(?, t.p) FROM unnest(?::text[]) WITH ORDINALITY AS t(p, i) ORDER BY t.i";

    private NotificationPublisher() {}

    /**
     * Sends one notification.
     *
     * @param connection the connection, in the caller's transaction or in autocommit
     * @param channel the channel, exact and case-sensitive
     * @param payload the payload
     * @param maxPayloadSize the limit in UTF-8 bytes
     * @throws SQLException if the server refuses it
     */
    public static void publish(Connection connection, String channel, String payload, int maxPayloadSize)
            throws SQLException {
        NotifyLimits.checkChannel(channel);
        NotifyLimits.checkPayload(channel, payload, maxPayloadSize);
        try (PreparedStatement statement = connection.prepareStatement(PUBLISH_SQL)) {
            statement.setString(1, channel);
            statement.setString(2, payload);
            statement.execute();
        }
    }

    /**
     * Sends several notifications on one channel in one statement, in order. Identical payloads within one
     * transaction are delivered once (PostgreSQL folds them).
     *
     * @param connection the connection, in the caller's transaction or in autocommit
     * @param channel the channel, exact and case-sensitive
     * @param payloads the payloads, in order
     * @param maxPayloadSize the limit in UTF-8 bytes, checked for every payload
     * @throws SQLException if the server refuses them
     */
    public static void publishAll(
            Connection connection, String channel, Collection<String> payloads, int maxPayloadSize)
            throws SQLException {
        NotifyLimits.checkChannel(channel);
        Objects.requireNonNull(payloads, "'payloads' must not be null");
        String[] array = new String[payloads.size()];
        int i = 0;
        for (String payload : payloads) {
            array[i++] = NotifyLimits.checkPayload(channel, payload, maxPayloadSize);
        }
        if (array.length == 0) {
            return;
        }
        if (array.length == 1) {
            publish(connection, channel, array[0], maxPayloadSize);
            return;
        }
        Array sqlArray = connection.createArrayOf("text", array);
        try (PreparedStatement statement = connection.prepareStatement(PUBLISH_ALL_SQL)) {
            statement.setString(1, channel);
            statement.setArray(2, sqlArray);
            statement.execute();
        } finally {
            sqlArray.free();
        }
    }
}
