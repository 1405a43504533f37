package io.pgnotify.spring;

import java.util.Collection;
import org.springframework.dao.DataAccessException;

/**
 * Sending notifications, as {@link PgNotifyTemplate} does it; inject this interface to replace the template in tests.
 */
public interface PgNotifyOperations {

    /**
     * Sends one notification: at the commit of the transaction active on the template's DataSource, else at once.
     *
     * @param channel the channel, exact and case-sensitive
     * @param payload a {@code String} sent as it is, or an object to convert
     * @throws IllegalArgumentException if the channel or the payload is invalid; nothing is sent
     * @throws DataAccessException if the database refuses it or cannot be reached
     */
    void publish(String channel, Object payload);

    /**
     * Sends several notifications on one channel in one round trip, in order.
     *
     * @param channel the channel, exact and case-sensitive
     * @param payloads {@code String}s sent as they are, or objects to convert
     * @throws IllegalArgumentException if the channel or any payload is invalid; nothing is sent
     * @throws DataAccessException if the database refuses them or cannot be reached
     */
    void publishAll(String channel, Collection<?> payloads);
}
