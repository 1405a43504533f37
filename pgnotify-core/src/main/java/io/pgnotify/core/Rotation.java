package io.pgnotify.core;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replaces the listening session make-before-break: opens a new session, LISTENs the same channels on it, then sends
 * a marker on the private channel. Both backends read the server's one notification queue in commit order, so the
 * marker cuts that order at one point: the old session delivers everything before it, the new one everything after
 * it, and nothing is lost or delivered twice (docs/rotation.md gives the argument from PostgreSQL's async.c). Runs on
 * the supervisor's thread, which reads one session at a time; the other's notifications wait in its socket.
 */
final class Rotation {

    private static final Logger log = LoggerFactory.getLogger(Notifier.class);

    private final Supervisor supervisor;
    private final Rotations rotations;
    private final Settings settings;
    private final Publisher publisher;
    private final String privateChannel;
    private long sequence;

    Rotation(
            Supervisor supervisor, Rotations rotations, Settings settings, Publisher publisher, String privateChannel) {
        this.supervisor = supervisor;
        this.rotations = rotations;
        this.settings = settings;
        this.publisher = publisher;
        this.privateChannel = privateChannel;
    }

    /** What a rotation ended with. */
    record Outcome(Session session, @Nullable Exception abandoned) {}

    /** Why a session did not read the marker in time. */
    private static final class MarkerMissing extends SQLException {
        private static final long serialVersionUID = 1L;

        MarkerMissing(String message) {
            super(message, "08006");
        }
    }

    /** Shutdown began during the rotation. */
    private static final class Stopped extends Exception {
        private static final long serialVersionUID = 1L;

        Stopped() {
            super("the notifier is stopping", null, false, false);
        }
    }

    /**
     * Rotates away from {@code old}. Returns the session to read from now on: the new one, or the old one when the
     * rotation was abandoned (the new session could not be opened, LISTENed or verified within the ping timeout).
     *
     * @throws Exception when the old session was lost and the new one could not take over: a lost connection
     */
    Outcome perform(Session old) throws Exception {
        long started = System.nanoTime();
        Session next;
        try {
            next = Session.open(settings, supervisor.newListenSet(), old.queueUsagePing());
        } catch (SQLException | RuntimeException e) {
            return abandon(old, null, List.of(), "the new connection could not be opened", e);
        }
        rotations.rotatingTo(next);
        List<PGNotification> oldAfterMarker = new ArrayList<>();
        String marker = "rotate:" + next.backendPid() + ":" + (++sequence);
        try {
            next.channels.sync(next.connection());
            if (!sameServer(old, next)) {
                return otherServer(old, next);
            }
            publisher.publish(privateChannel, marker);
        } catch (SQLException | RuntimeException e) {
            return abandon(old, next, List.of(), "the new session could not LISTEN", e);
        }
        try {
            readToMarker(old, next, marker, true, oldAfterMarker);
        } catch (Stopped e) {
            return abandon(old, next, oldAfterMarker, "the notifier is stopping", e);
        } catch (Exception oldLost) {
            return takeOver(old, next, marker, oldLost);
        }
        List<PGNotification> newAfterMarker = new ArrayList<>();
        try {
            readToMarker(next, old, marker, false, newAfterMarker);
        } catch (Exception e) {
            return abandon(old, next, oldAfterMarker, "the new session did not receive the marker", e);
        }
        Duration overlap = Duration.ofNanos(System.nanoTime() - started);
        old.close(true); // what it read after the marker, the new session delivers
        rotations.rotated(old, next, overlap);
        deliver(newAfterMarker);
        return new Outcome(next, null);
    }

    /**
     * Reads {@code s} until the marker. With {@code deliverBefore}, what comes before it is delivered (the old
     * session); otherwise it is discarded (the new session, whose start overlaps what the old one delivered). What
     * comes after it in the same read is kept in {@code after}.
     *
     * <p>The session has the ping timeout to make progress, and the window starts again after every batch it reads:
     * an old session handing a backlog over into a full buffer (BLOCK), or a new one reading past what arrived since
     * its LISTEN, is slow, not lost. Only a session that reads nothing for a whole ping timeout misses the marker
     * (NotifierRotationTests#aRotationBehindAHandlerBacklog… shows the case).
     */
    private void readToMarker(
            Session s, Session other, String marker, boolean deliverBefore, List<PGNotification> after)
            throws Exception {
        long window = settings.pingTimeout().toNanos();
        long deadline = System.nanoTime() + window;
        boolean found = false;
        while (!found) {
            if (supervisor.stopping()) {
                throw new Stopped();
            }
            // Channel changes apply to both; the new session first, so that a channel the old one listens to is
            // listened to by the new one too, from before the marker.
            Session first = deliverBefore ? other : s;
            Session second = deliverBefore ? s : other;
            if (first.channels.behind()) {
                first.channels.sync(first.connection());
            }
            if (second.channels.behind()) {
                second.channels.sync(second.connection());
            }
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                throw new MarkerMissing("The rotation marker did not arrive on backend " + s.backendPid() + " within "
                        + settings.pingTimeout());
            }
            int wait = (int)
                    Math.max(1, Math.min(SessionReader.MAX_WAIT_MILLIS, TimeUnit.NANOSECONDS.toMillis(remaining) + 1));
            PGNotification[] batch = s.read(wait, settings.pingTimeout().toNanos());
            if (batch == null) {
                continue;
            }
            for (PGNotification received : batch) {
                if (found) {
                    after.add(received);
                } else if (privateChannel.equals(received.getName())) {
                    found = marker.equals(received.getParameter());
                } else if (deliverBefore) {
                    supervisor.deliver(received);
                }
            }
            deadline = System.nanoTime() + window;
        }
    }

    /** The old session died before it read the marker: the new one takes over, and a gap may exist. */
    private Outcome takeOver(Session old, Session next, String marker, Exception oldLost) throws Exception {
        // What pgjdbc read before the error arrived while listening: delivered up to the marker. If the marker is
        // among it, the old session did deliver everything before it and there is no gap.
        boolean reachedMarker = false;
        for (PGNotification received : old.takeRead()) {
            if (privateChannel.equals(received.getName())) {
                reachedMarker |= marker.equals(received.getParameter());
            } else if (!reachedMarker) {
                supervisor.deliver(received);
            }
        }
        old.close(false);
        List<PGNotification> after = new ArrayList<>();
        try {
            readToMarker(next, next, marker, false, after);
        } catch (Exception e) {
            next.close(false);
            rotations.rotatingTo(null);
            e.addSuppressed(oldLost);
            throw oldLost;
        }
        if (reachedMarker) {
            rotations.rotated(old, next, Duration.ZERO);
        } else {
            rotations.tookOver(old, next, oldLost);
        }
        deliver(after);
        return new Outcome(next, null);
    }

    /** The new session is on another server (a multi-host URL): no marker can cut both queues; a gap is announced. */
    private Outcome otherServer(Session old, Session next) throws Exception {
        deliver(old.close(true));
        SQLException cause = new SQLException(
                "The new session is on another server (a different system identifier): notifications sent to the"
                        + " old server after this were not received",
                "08006");
        rotations.tookOver(old, next, cause);
        return new Outcome(next, null);
    }

    private Outcome abandon(
            Session old, @Nullable Session next, List<PGNotification> oldAfterMarker, String why, Exception cause)
            throws InterruptedException {
        if (next != null) {
            next.close(false);
        }
        rotations.rotatingTo(null);
        deliver(oldAfterMarker);
        Exception abandoned = new SQLException(
                "Rotation abandoned (" + why + "): " + Redaction.describe(cause) + "; the old session goes on",
                cause instanceof SQLException sql ? sql.getSQLState() : null,
                cause);
        log.warn("[{}] {}", settings.name(), abandoned.getMessage());
        return new Outcome(old, abandoned);
    }

    private void deliver(List<PGNotification> read) throws InterruptedException {
        for (PGNotification received : read) {
            if (!privateChannel.equals(received.getName())) {
                supervisor.deliver(received);
            }
        }
    }

    /**
     * Whether both sessions are on one server, by {@code pg_control_system()}'s system identifier (executable by
     * any role on PostgreSQL 15); when it cannot be read, the marker not arriving tells instead.
     */
    private boolean sameServer(Session old, Session next) {
        String a = systemIdentifier(old);
        String b = systemIdentifier(next);
        return a == null || b == null || a.equals(b);
    }

    private static @Nullable String systemIdentifier(Session s) {
        String known = s.systemIdentifier;
        if (known != null) {
            return known.isEmpty() ? null : known;
        }
        try (Statement statement = s.connection().createStatement();
                ResultSet rs = statement.executeQuery("SELECT system_identifier::text FROM pg_control_system()")) {
            s.systemIdentifier = rs.next() ? rs.getString(1) : "";
        } catch (SQLException e) {
            s.systemIdentifier = "";
        }
        return s.systemIdentifier.isEmpty() ? null : s.systemIdentifier;
    }
}
