package io.pgnotify.core.durable;

import java.sql.Connection;
import java.sql.SQLException;

/** Acknowledges one message on a connection of the caller's, inside the caller's transaction. */
@FunctionalInterface
public interface Acknowledgement {

    /**
     * Advances the group's position to this message, fenced by the consumer's lease: when another instance took the
     * group over meanwhile, nothing changes and {@link DurableLeaseLostException} is thrown, so the caller's
     * transaction rolls back.
     *
     * @param connection a connection in the caller's open transaction, to the database holding the schema
     * @throws SQLException if the statement fails
     * @throws DurableLeaseLostException if the lease was lost
     */
    void acknowledgeOn(Connection connection) throws SQLException;
}
