package io.pgnotify.core;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The channels one session LISTENs to, kept in step with the subscriptions: all changes in one round trip, and a
 * channel the server refuses (SQLState outside the connection classes) rejected alone while the others listen.
 */
final class ListenSet {

    private static final Logger log = LoggerFactory.getLogger(Notifier.class);

    private final String name;
    private final String privateChannel;
    private final Subscriptions subscriptions;
    // Shared by the notifier's sessions: channel -> why the server refused it, until unsubscribed.
    private final Map<String, String> rejected;
    private final NotifierListener hooks;
    private final Runnable applied;

    // Written by the session's reader, read by anyone.
    private volatile Set<String> listened = Set.of();
    private volatile long appliedVersion = -1;

    ListenSet(
            String name,
            String privateChannel,
            Subscriptions subscriptions,
            Map<String, String> rejected,
            NotifierListener hooks,
            Runnable applied) {
        this.name = name;
        this.privateChannel = privateChannel;
        this.subscriptions = subscriptions;
        this.rejected = rejected;
        this.hooks = hooks;
        this.applied = applied;
    }

    /** The channels listened to, the private one included. */
    Set<String> listened() {
        return listened;
    }

    boolean behind() {
        return subscriptions.version() != appliedVersion;
    }

    /** LISTENs and UNLISTENs to match the subscriptions; the first call also LISTENs to the private channel. */
    void sync(Connection c) throws SQLException {
        boolean fresh = appliedVersion == -1;
        long version = subscriptions.version();
        Set<String> wanted = new HashSet<>(subscriptions.channels());
        rejected.keySet().retainAll(wanted);
        wanted.removeAll(rejected.keySet());
        Set<String> current = fresh ? Set.of() : listened;
        List<String> listen = new ArrayList<>();
        List<String> unlisten = new ArrayList<>();
        if (fresh) {
            listen.add(privateChannel);
        }
        for (String channel : wanted) {
            if (!current.contains(channel)) {
                listen.add(channel);
            }
        }
        for (String channel : current) {
            if (!wanted.contains(channel) && !channel.equals(privateChannel)) {
                unlisten.add(channel);
            }
        }
        if (!listen.isEmpty() || !unlisten.isEmpty()) {
            StringBuilder sql = new StringBuilder();
            listen.forEach(channel -> appendCommand(sql, "LISTEN", channel));
            unlisten.forEach(channel -> appendCommand(sql, "UNLISTEN", channel));
            try {
                execute(c, sql.toString());
            } catch (SQLException e) {
                if (ChannelErrors.isConnectionFailure(e, c)) {
                    throw listenFailed(e);
                }
                // Refused as a statement on a working connection: find the channel(s) it is about, one at a time.
                oneByOne(c, listen, unlisten, wanted, e);
            }
        }
        wanted.add(privateChannel);
        listened = Set.copyOf(wanted);
        appliedVersion = version;
        applied.run();
    }

    private void oneByOne(
            Connection c, List<String> listen, List<String> unlisten, Set<String> wanted, SQLException batchError)
            throws SQLException {
        for (String channel : listen) {
            StringBuilder sql = new StringBuilder();
            appendCommand(sql, "LISTEN", channel);
            try {
                execute(c, sql.toString());
            } catch (SQLException e) {
                if (channel.equals(privateChannel) || ChannelErrors.isConnectionFailure(e, c)) {
                    throw listenFailed(channel.equals(privateChannel) ? batchError : e);
                }
                wanted.remove(channel);
                String why = Redaction.describe(e);
                rejected.put(channel, why);
                log.warn(
                        "[{}] the server refused to LISTEN to channel '{}': {}; the other channels listen",
                        name,
                        channel,
                        why);
                hooks.onError(
                        new SQLException(
                                "The server refused to LISTEN to channel '" + channel + "': " + why,
                                e.getSQLState(),
                                e),
                        channel);
            }
        }
        for (String channel : unlisten) {
            StringBuilder sql = new StringBuilder();
            appendCommand(sql, "UNLISTEN", channel);
            try {
                execute(c, sql.toString());
            } catch (SQLException e) {
                if (ChannelErrors.isConnectionFailure(e, c)) {
                    throw listenFailed(e);
                }
                log.warn("[{}] UNLISTEN of channel '{}' refused: {}", name, channel, Redaction.describe(e));
            }
        }
    }

    private static void execute(Connection c, String sql) throws SQLException {
        try (Statement statement = c.createStatement()) {
            statement.execute(sql);
        }
    }

    private static SQLException listenFailed(SQLException e) {
        String hint =
                "25006".equals(e.getSQLState()) ? " (the server is a read-only standby; LISTEN needs the primary)" : "";
        return new SQLException("LISTEN failed: " + e.getMessage() + hint, e.getSQLState(), e);
    }

    /** Channel names are exact: always quoted, with embedded quotes doubled, so nothing is folded or injected. */
    static void appendCommand(StringBuilder sql, String command, String channel) {
        sql.append(command).append(" \"").append(channel.replace("\"", "\"\"")).append("\";");
    }
}
