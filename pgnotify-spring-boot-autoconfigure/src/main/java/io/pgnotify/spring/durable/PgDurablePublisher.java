package io.pgnotify.spring.durable;

import io.pgnotify.core.durable.DurablePublisher;
import io.pgnotify.spring.PgPayloadConverter;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.UncategorizedSQLException;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.jdbc.support.SQLExceptionSubclassTranslator;
import org.springframework.jdbc.support.SQLExceptionTranslator;

/**
 * Publishes to durable channels on the connection of the caller's Spring transaction (the outbox pattern, with no
 * extra code): the messages exist if and only if it commits. Outside a transaction each call commits at once. Behind
 * {@code PgNotifyTemplate.publishDurable} and {@code publishAllDurable}.
 */
public final class PgDurablePublisher {

    private final DataSource dataSource;
    private final @Nullable PgPayloadConverter converter;
    private final SQLExceptionTranslator translator = new SQLExceptionSubclassTranslator();

    /**
     * Creates a publisher.
     *
     * @param dataSource the application's DataSource, holding the {@code pgnotify} schema
     * @param converter converts non-{@code String} payloads, or {@code null} for strings only
     */
    public PgDurablePublisher(DataSource dataSource, @Nullable PgPayloadConverter converter) {
        this.dataSource = Objects.requireNonNull(dataSource, "'dataSource' must not be null");
        this.converter = converter;
    }

    /**
     * Publishes one message.
     *
     * @param channel the channel
     * @param key a key, or {@code null}
     * @param payload a {@code String} stored as it is, or an object to convert
     * @return the message id
     * @throws DataAccessException if the database refuses it
     */
    public long publish(String channel, @Nullable String key, Object payload) {
        String text = convert(channel, payload);
        return execute(channel, c -> DurablePublisher.publish(c, channel, key, text));
    }

    /**
     * Publishes many messages to one channel in one statement.
     *
     * @param channel the channel
     * @param payloads the payloads, in order
     * @return the last id, 0 when there are none
     * @throws DataAccessException if the database refuses them
     */
    public long publishAll(String channel, Collection<?> payloads) {
        Objects.requireNonNull(payloads, "'payloads' must not be null");
        List<String> texts = new ArrayList<>(payloads.size());
        for (Object payload : payloads) {
            texts.add(convert(channel, payload));
        }
        if (texts.isEmpty()) {
            return 0;
        }
        return execute(channel, c -> DurablePublisher.publishAll(c, channel, texts));
    }

    private String convert(String channel, @Nullable Object payload) {
        Objects.requireNonNull(payload, () -> "Payload for durable channel '" + channel + "' must not be null");
        if (payload instanceof String text) {
            return text;
        }
        if (converter == null) {
            throw new IllegalStateException(
                    "Cannot convert a " + payload.getClass().getName() + " payload for durable channel '" + channel
                            + "': no PgPayloadConverter");
        }
        return converter.toPayload(payload);
    }

    @FunctionalInterface
    private interface Insert {
        long run(Connection connection) throws SQLException;
    }

    private long execute(String channel, Insert insert) {
        Connection connection = DataSourceUtils.getConnection(dataSource);
        try {
            long id = insert.run(connection);
            if (!DataSourceUtils.isConnectionTransactional(connection, dataSource) && !connection.getAutoCommit()) {
                connection.commit();
            }
            return id;
        } catch (SQLException e) {
            String task = "publish to durable channel '" + channel + "'";
            DataAccessException translated = translator.translate(task, null, e);
            throw translated != null ? translated : new UncategorizedSQLException(task, null, e);
        } finally {
            DataSourceUtils.releaseConnection(connection, dataSource);
        }
    }
}
