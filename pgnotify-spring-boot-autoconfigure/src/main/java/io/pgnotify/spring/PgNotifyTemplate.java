package io.pgnotify.spring;

import io.micrometer.observation.ObservationRegistry;
import io.pgnotify.core.NotificationPublisher;
import io.pgnotify.core.NotifyLimits;
import io.pgnotify.spring.observation.DefaultPgNotifyTemplateObservationConvention;
import io.pgnotify.spring.observation.PgNotifyTemplateObservation;
import io.pgnotify.spring.observation.PgNotifyTemplateObservationContext;
import io.pgnotify.spring.observation.PgNotifyTemplateObservationConvention;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.UncategorizedSQLException;
import org.springframework.jdbc.datasource.ConnectionHolder;
import org.springframework.jdbc.support.SQLExceptionSubclassTranslator;
import org.springframework.jdbc.support.SQLExceptionTranslator;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Sends notifications through the application's {@link DataSource}, taking part in Spring-managed transactions.
 *
 * <p>Inside a transaction on the template's DataSource the notification is sent on that transaction's connection:
 * PostgreSQL delivers it when the transaction commits and never after a rollback. Otherwise (no transaction, or one on
 * another DataSource) a pooled connection sends and commits it at once, even when the pool turns auto-commit off. A {@code String}
 * payload is sent as it is; anything else is converted by the {@link PgPayloadConverter} (JSON by default). Channel
 * names are exact and payloads are limited to {@code maxPayloadSize} UTF-8 bytes after conversion; invalid arguments
 * throw {@link IllegalArgumentException} before anything is sent, and database failures a {@link DataAccessException}.
 *
 * <p>Every send is observed as {@code pgnotify.publish} (key {@code channel}, never the payload), and every {@link
 * PgNotifyPublishListener} is told once the notifications are on their way: at once, or after the commit.
 *
 * <pre>{@code
 * @Transactional
 * void place(Order order) {
 *     orders.save(order);
 *     template.publish("orders", order); // delivered at commit
 * }
 * }</pre>
 */
public final class PgNotifyTemplate implements PgNotifyOperations {

    private static final Logger log = LoggerFactory.getLogger(PgNotifyTemplate.class);

    private final DataSource dataSource;
    private final @Nullable PgPayloadConverter converter;
    private final int maxPayloadSize;
    private final Supplier<List<PgNotifyPublishListener>> publishListeners;
    private final ObservationRegistry observationRegistry;
    private final @Nullable PgNotifyTemplateObservationConvention observationConvention;
    private final SQLExceptionTranslator translator = new SQLExceptionSubclassTranslator();

    private PgNotifyTemplate(Builder builder) {
        this.dataSource = builder.dataSource;
        this.converter = builder.converter;
        this.maxPayloadSize = builder.maxPayloadSize;
        this.publishListeners = builder.publishListeners;
        this.observationRegistry = builder.observationRegistry;
        this.observationConvention = builder.observationConvention;
    }

    /**
     * Starts building a template.
     *
     * @param dataSource where connections come from
     * @return a builder with the defaults
     */
    public static Builder builder(DataSource dataSource) {
        return new Builder(dataSource);
    }

    /**
     * Sends one notification.
     *
     * @param channel the channel, exact and case-sensitive
     * @param payload a {@code String} sent as it is, or an object to convert
     * @throws IllegalArgumentException if the channel or the payload is invalid; nothing is sent
     * @throws DataAccessException if the database refuses it or cannot be reached
     */
    @Override
    public void publish(String channel, Object payload) {
        NotifyLimits.checkChannel(channel);
        String converted = convert(channel, payload);
        send(channel, 1, connection -> NotificationPublisher.publish(connection, channel, converted, maxPayloadSize));
    }

    /**
     * Sends several notifications on one channel in one round trip, in order. Identical payloads within one
     * transaction are delivered once (PostgreSQL folds them).
     *
     * @param channel the channel, exact and case-sensitive
     * @param payloads {@code String}s sent as they are, or objects to convert
     * @throws IllegalArgumentException if the channel or any payload is invalid; nothing is sent
     * @throws DataAccessException if the database refuses them or cannot be reached
     */
    @Override
    public void publishAll(String channel, Collection<?> payloads) {
        NotifyLimits.checkChannel(channel);
        Objects.requireNonNull(payloads, "'payloads' must not be null");
        List<String> converted = new ArrayList<>(payloads.size());
        for (Object payload : payloads) {
            converted.add(convert(channel, payload));
        }
        if (converted.isEmpty()) {
            return;
        }
        send(
                channel,
                converted.size(),
                connection -> NotificationPublisher.publishAll(connection, channel, converted, maxPayloadSize));
    }

    private String convert(String channel, @Nullable Object payload) {
        Objects.requireNonNull(payload, () -> "Payload for channel '" + channel + "' must not be null");
        if (payload instanceof String text) {
            return text;
        }
        if (converter == null) {
            throw new IllegalStateException(
                    "Cannot convert a " + payload.getClass().getName() + " payload for channel '" + channel
                            + "': no PgPayloadConverter (add Jackson or define a PgPayloadConverter bean)");
        }
        return converter.toPayload(payload);
    }

    private void send(String channel, int count, Statement statement) {
        boolean deferred = Boolean.TRUE.equals(PgNotifyTemplateObservation.TEMPLATE_OBSERVATION
                .observation(
                        observationConvention,
                        DefaultPgNotifyTemplateObservationConvention.INSTANCE,
                        () -> new PgNotifyTemplateObservationContext(channel, count),
                        observationRegistry)
                .observe(() -> execute(channel, statement)));
        if (deferred) {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCommit() {
                    published(channel, count);
                }
            });
        } else {
            published(channel, count);
        }
    }

    /**
     * Sends on the connection of a transaction really active on this template's DataSource, and returns true: PostgreSQL
     * delivers at that transaction's commit. Otherwise sends on a connection of its own, committed at once, and
     * returns false. A connection merely bound to the thread (a transaction on another DataSource, JTA without a
     * DataSource transaction) is not a transaction of this DataSource: sending on it would deliver at once while the
     * publish listeners wait for a commit that is not this connection's, or, with auto-commit off, never commit.
     */
    private boolean execute(String channel, Statement statement) {
        try {
            Connection transactional = transactionalConnection();
            if (transactional != null) {
                statement.execute(transactional);
                return true;
            }
            try (Connection connection = dataSource.getConnection()) {
                statement.execute(connection);
                // A pool may hand out connections with autocommit off; outside a transaction nobody else commits.
                if (!connection.getAutoCommit()) {
                    connection.commit();
                }
            }
            return false;
        } catch (SQLException e) {
            String task = "pg_notify on channel '" + channel + "'";
            DataAccessException translated = translator.translate(task, null, e);
            throw translated != null ? translated : new UncategorizedSQLException(task, null, e);
        }
    }

    /** The connection of the transaction active on this DataSource, if there is one. */
    private @Nullable Connection transactionalConnection() throws SQLException {
        if (!TransactionSynchronizationManager.isActualTransactionActive()
                || !TransactionSynchronizationManager.isSynchronizationActive()) {
            return null;
        }
        if (!(TransactionSynchronizationManager.getResource(dataSource) instanceof ConnectionHolder holder)
                || holder.getConnectionHandle() == null
                || !holder.isSynchronizedWithTransaction()) {
            return null;
        }
        Connection connection = holder.getConnection();
        // A DataSource transaction manager turns autocommit off for the transaction's duration.
        return connection.getAutoCommit() ? null : connection;
    }

    private void published(String channel, int count) {
        for (PgNotifyPublishListener listener : publishListeners.get()) {
            try {
                listener.onPublished(channel, count);
            } catch (RuntimeException e) {
                // The notifications are sent (or committed): a failing listener must not make the caller think not.
                log.warn("PgNotifyPublishListener {} failed for channel '{}'; ignored", listener, channel, e);
            }
        }
    }

    @FunctionalInterface
    private interface Statement {
        void execute(Connection connection) throws SQLException;
    }

    /** Builds a {@link PgNotifyTemplate}. */
    public static final class Builder {

        private final DataSource dataSource;
        private @Nullable PgPayloadConverter converter;
        private int maxPayloadSize = NotifyLimits.MAX_PAYLOAD_BYTES;
        private Supplier<List<PgNotifyPublishListener>> publishListeners = List::of;
        private ObservationRegistry observationRegistry = ObservationRegistry.NOOP;
        private @Nullable PgNotifyTemplateObservationConvention observationConvention;

        private Builder(DataSource dataSource) {
            this.dataSource = Objects.requireNonNull(dataSource, "'dataSource' must not be null");
        }

        /**
         * How payloads other than {@code String}s are converted. Default: none, so only {@code String}s are accepted.
         *
         * @param converter the converter
         * @return this builder
         */
        public Builder payloadConverter(@Nullable PgPayloadConverter converter) {
            this.converter = converter;
            return this;
        }

        /**
         * The largest payload accepted, in UTF-8 bytes. Default 7999, PostgreSQL's limit.
         *
         * @param bytes from 1 to 7999
         * @return this builder
         */
        public Builder maxPayloadSize(int bytes) {
            if (bytes < 1 || bytes > NotifyLimits.MAX_PAYLOAD_BYTES) {
                throw new IllegalArgumentException("'maxPayloadSize' must be between 1 and "
                        + NotifyLimits.MAX_PAYLOAD_BYTES + " bytes, got " + bytes);
            }
            this.maxPayloadSize = bytes;
            return this;
        }

        /**
         * Who is told about successful sends; asked at every send, so late-registered listeners are seen.
         *
         * @param listeners supplies the listeners
         * @return this builder
         */
        public Builder publishListeners(Supplier<List<PgNotifyPublishListener>> listeners) {
            this.publishListeners = Objects.requireNonNull(listeners, "'listeners' must not be null");
            return this;
        }

        /**
         * Where the {@code pgnotify.publish} observations go. Default: {@link ObservationRegistry#NOOP}.
         *
         * @param registry the registry
         * @return this builder
         */
        public Builder observationRegistry(ObservationRegistry registry) {
            this.observationRegistry = Objects.requireNonNull(registry, "'registry' must not be null");
            return this;
        }

        /**
         * Names and keys of the {@code pgnotify.publish} observations. Default: {@link
         * DefaultPgNotifyTemplateObservationConvention}.
         *
         * @param convention the convention, or {@code null} for the default
         * @return this builder
         */
        public Builder observationConvention(@Nullable PgNotifyTemplateObservationConvention convention) {
            this.observationConvention = convention;
            return this;
        }

        /**
         * Builds the template.
         *
         * @return a new template
         */
        public PgNotifyTemplate build() {
            return new PgNotifyTemplate(this);
        }
    }

    // Durable channels: delegated to PgDurablePublisher, which publishes in the caller's transaction.

    private volatile io.pgnotify.spring.durable.@Nullable PgDurablePublisher durablePublisher;

    private io.pgnotify.spring.durable.PgDurablePublisher durable() {
        io.pgnotify.spring.durable.PgDurablePublisher publisher = durablePublisher;
        if (publisher == null) {
            publisher = new io.pgnotify.spring.durable.PgDurablePublisher(dataSource, converter);
            durablePublisher = publisher;
        }
        return publisher;
    }

    /**
     * Publishes a message to a durable channel, in the caller's transaction if there is one: every consumer group
     * receives it at least once if and only if that transaction commits.
     *
     * @param channel the durable channel
     * @param payload a {@code String} stored as it is, or an object to convert
     * @return the message id
     * @throws DataAccessException if the database refuses it
     */
    public long publishDurable(String channel, Object payload) {
        return durable().publish(channel, null, payload);
    }

    /**
     * Publishes a message with a key to a durable channel, in the caller's transaction if there is one.
     *
     * @param channel the durable channel
     * @param key the key, stored with the message
     * @param payload a {@code String} stored as it is, or an object to convert
     * @return the message id
     * @throws DataAccessException if the database refuses it
     */
    public long publishDurable(String channel, String key, Object payload) {
        return durable().publish(channel, key, payload);
    }

    /**
     * Publishes many messages to a durable channel in one statement, in the caller's transaction if there is one.
     *
     * @param channel the durable channel
     * @param payloads the payloads, in order
     * @return the last message id, 0 when there are none
     * @throws DataAccessException if the database refuses them
     */
    public long publishAllDurable(String channel, Collection<?> payloads) {
        return durable().publishAll(channel, payloads);
    }
}
