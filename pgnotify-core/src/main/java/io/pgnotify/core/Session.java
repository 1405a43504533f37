package io.pgnotify.core;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.postgresql.core.BaseConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One listening connection: opened with bounded timeouts, its LISTEN set, the reader and the ping. Only the thread
 * that reads it uses it; other threads may only ask whether its reader is stuck and {@link #abort} it.
 */
final class Session {

    private static final Logger log = LoggerFactory.getLogger(Notifier.class);

    private static final String QUEUE_USAGE = "SELECT pg_notification_queue_usage()";
    private static final String PLAIN_PING = "SELECT 1";

    private final Connection connection;
    private final PGConnection pg;
    private final String name;
    private final int backendPid;
    private final Instant openedAt = Instant.now();
    private final long openedAtNanos = System.nanoTime();
    final ListenSet channels;
    // The server's system identifier ("" when it cannot be read), read once by a rotation.
    @Nullable
    String systemIdentifier;
    // Whether the ping may read the queue usage: a role may be refused pg_notification_queue_usage().
    private boolean queueUsagePing;
    // When the reader entered its current wait (0: not waiting) and how long that wait may be; read by the watchdog.
    private volatile long readingSince;
    private volatile long readingLimitNanos;

    private Session(Connection connection, PGConnection pg, String name, ListenSet channels, boolean queueUsagePing) {
        this.connection = connection;
        this.pg = pg;
        this.name = name;
        this.channels = channels;
        this.queueUsagePing = queueUsagePing;
        this.backendPid = pg.getBackendPID();
    }

    /**
     * Opens a connection from the provider, in autocommit, with every statement bounded by the ping timeout. The
     * network timeout is set before the first round trip of the notifier's own ({@code application_name}), so that
     * not even that waits on a silent network.
     */
    static Session open(Settings settings, ListenSet channels, boolean queueUsagePing) throws SQLException {
        Connection c = settings.provider().getConnection();
        if (c == null) {
            throw new SQLException("The ConnectionProvider returned no connection");
        }
        try {
            PGConnection pg = c.unwrap(PGConnection.class);
            c.setNetworkTimeout(Runnable::run, (int)
                    Math.min(Integer.MAX_VALUE, settings.pingTimeout().toMillis()));
            // A listener in a transaction receives nothing until it ends: the listening connection is autocommit.
            if (!c.getAutoCommit()) {
                c.setAutoCommit(true);
            }
            c.setClientInfo("ApplicationName", settings.applicationName());
            PromptDelivery.apply(pg);
            return new Session(c, pg, settings.name(), channels, queueUsagePing);
        } catch (SQLException | RuntimeException e) {
            closeQuietly(c, settings.name());
            throw e;
        }
    }

    int backendPid() {
        return backendPid;
    }

    Instant openedAt() {
        return openedAt;
    }

    long openedAtNanos() {
        return openedAtNanos;
    }

    Connection connection() {
        return connection;
    }

    /** Waits up to the given time for notifications; null when none came. */
    PGNotification[] read(int waitMillis, long pingTimeoutNanos) throws SQLException {
        readingLimitNanos = TimeUnit.MILLISECONDS.toNanos(waitMillis) + pingTimeoutNanos;
        long now = System.nanoTime();
        readingSince = now == 0 ? 1 : now;
        try {
            return pg.getNotifications(waitMillis);
        } finally {
            readingSince = 0;
        }
    }

    /**
     * Whether the reader has been inside one wait for longer than that wait plus the ping timeout. pgjdbc reads the
     * rest of a message it has begun without any timeout, so a message cut by a dying network blocks it for as long
     * as TCP waits (NotifierReaderTests shows the case); only aborting the connection frees it.
     */
    boolean readerStuck(long nowNanos) {
        long since = readingSince;
        return since != 0 && nowNanos - since > readingLimitNanos;
    }

    /**
     * Pings the server; returns the queue usage, or {@code -1} when the role may not read it (a plain ping is used
     * then).
     *
     * @throws PingRefusedException once, when the queue usage is refused: the connection itself is fine
     */
    double ping() throws SQLException {
        if (!queueUsagePing) {
            execute(PLAIN_PING);
            return -1;
        }
        try (Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery(QUEUE_USAGE)) {
            rs.next();
            return rs.getDouble(1);
        } catch (SQLException e) {
            if (ChannelErrors.isConnectionFailure(e, connection)) {
                throw e;
            }
            queueUsagePing = false;
            throw new PingRefusedException(e);
        }
    }

    boolean queueUsagePing() {
        return queueUsagePing;
    }

    void execute(String sql) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    /**
     * The notifications pgjdbc has read but not yet handed out. It reads every buffered message in one call (of
     * getNotifications, or of any statement such as the ping or an UNLISTEN): when the server sent notifications and
     * then an error (a terminated backend's FATAL), it throws and keeps the notifications it had read.
     */
    List<PGNotification> takeRead() {
        try {
            return List.of(
                    connection.unwrap(BaseConnection.class).getQueryExecutor().getNotifications());
        } catch (SQLException | RuntimeException e) {
            log.debug("[{}] could not take the notifications read before the error: {}", name, e.toString());
            return List.of();
        }
    }

    /**
     * Closes the session; with {@code unlisten}, first {@code UNLISTEN *}, returning the notifications read with its
     * response: they arrived while listening and are delivered, not dropped.
     */
    List<PGNotification> close(boolean unlisten) {
        List<PGNotification> read = List.of();
        try {
            if (unlisten && !connection.isClosed()) {
                execute("UNLISTEN *");
                read = takeRead();
            }
        } catch (SQLException e) {
            log.debug("[{}] UNLISTEN at close failed: {}", name, e.toString());
            read = takeRead();
        } finally {
            closeQuietly(connection, name);
        }
        return read;
    }

    /** Closes the socket under the reader, from any thread: the reader's call fails at once. */
    void abort() {
        try {
            connection.abort(Runnable::run);
        } catch (SQLException | RuntimeException e) {
            log.debug("[{}] abort failed: {}", name, e.toString());
        }
    }

    private static void closeQuietly(Connection c, String name) {
        try {
            c.close();
        } catch (SQLException e) {
            log.debug("[{}] closing the listening connection failed: {}", name, e.toString());
        }
    }

    /** The server refused the ping's statement (a revoked function): a permission, not a lost connection. */
    static final class PingRefusedException extends SQLException {
        private static final long serialVersionUID = 1L;

        PingRefusedException(SQLException cause) {
            super(
                    "The ping could not read pg_notification_queue_usage(): " + Redaction.describe(cause)
                            + "; pinging with SELECT 1 instead (the queue usage is not shown)",
                    cause.getSQLState(),
                    cause);
        }
    }
}
