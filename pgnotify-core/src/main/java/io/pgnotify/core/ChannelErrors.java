package io.pgnotify.core;

import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * Tells a lost connection from a statement the server refused, by SQLState: only the first is a reason to reconnect.
 */
final class ChannelErrors {

    private ChannelErrors() {}

    /**
     * Whether the error means the connection is no longer usable: SQLState class 08 (connection exception), 57P
     * (operator intervention: shutdown, terminated backend), 25006 (a read-only standby, where no LISTEN can work), no
     * SQLState at all, an I/O error among the causes, or a connection that is closed.
     */
    static boolean isConnectionFailure(SQLException error, Connection connection) {
        String state = error.getSQLState();
        if (state == null || state.startsWith("08") || state.startsWith("57P") || state.equals("25006")) {
            return true;
        }
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof IOException) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        try {
            return connection.isClosed();
        } catch (SQLException e) {
            return true;
        }
    }
}
