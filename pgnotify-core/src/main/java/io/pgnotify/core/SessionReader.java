package io.pgnotify.core;

import java.util.concurrent.TimeUnit;
import org.postgresql.PGNotification;

/**
 * Reads one session until the notifier stops: applies channel changes, hands notifications to the supervisor, pings
 * and probes. Runs on the supervisor's thread; returns when stopping or when a rotation is due, and throws when the
 * session is lost.
 */
final class SessionReader {

    /** The longest single wait for notifications, so that changes are picked up even if a wake-up is lost. */
    static final int MAX_WAIT_MILLIS = 500;

    private final Supervisor supervisor;
    private final Session session;
    private final Probe probe;
    private final Settings settings;
    private final String privateChannel;
    // A session taken over by a rotation is verified by the marker already.
    private final boolean verifiedAlready;

    SessionReader(
            Supervisor supervisor,
            Session session,
            Probe probe,
            Settings settings,
            String privateChannel,
            boolean verifiedAlready) {
        this.verifiedAlready = verifiedAlready;
        this.supervisor = supervisor;
        this.session = session;
        this.probe = probe;
        this.settings = settings;
        this.privateChannel = privateChannel;
    }

    /** Reads until stopping (false) or until a rotation is due (true). */
    boolean serve() throws Exception {
        boolean verified = verifiedAlready;
        if (!verified) {
            session.channels.sync(session.connection());
            supervisor.listened(session);
            probe.send();
        }
        long pingInterval = settings.pingInterval().toNanos();
        long pingTimeout = settings.pingTimeout().toNanos();
        long nextPing = System.nanoTime() + pingInterval;
        // Time spent handing notifications over since the probe was sent (see Probe.check).
        long grace = 0;
        while (!supervisor.stopping()) {
            if (session.channels.behind()) {
                session.channels.sync(session.connection());
            }
            long now = System.nanoTime();
            if (verified && supervisor.rotationDue(session, now)) {
                return true;
            }
            long waitNanos;
            switch (probe.check(now, grace)) {
                case UNSENT -> {
                    supervisor.probeUnsent(String.valueOf(probe.sendError()));
                    if (!verified) {
                        verified = true;
                        supervisor.verified(session, now);
                    }
                    continue;
                }
                case FAILED ->
                    throw new ProbeFailedException("The probe notification on the private channel did not"
                            + " come back within " + settings.pingTimeout() + ": the connection does not deliver"
                            + " notifications (a transaction-mode pooler such as PgBouncer, or a proxy?)");
                case WAITING -> waitNanos = probe.waitNanos();
                default -> {
                    if (now - nextPing >= 0) {
                        ping();
                        probe.send();
                        grace = 0;
                        nextPing = System.nanoTime() + pingInterval;
                        continue;
                    }
                    waitNanos = nextPing - now;
                }
            }
            int waitMillis = (int) Math.max(1, Math.min(MAX_WAIT_MILLIS, TimeUnit.NANOSECONDS.toMillis(waitNanos) + 1));
            PGNotification[] batch = session.read(waitMillis, pingTimeout);
            if (batch == null) {
                continue;
            }
            long handOverStart = System.nanoTime();
            for (PGNotification received : batch) {
                if (privateChannel.equals(received.getName())) {
                    if (probe.returned(received.getParameter())) {
                        supervisor.probeReturned(session, probe.roundTrip());
                        if (!verified) {
                            verified = true;
                            supervisor.verified(session, System.nanoTime());
                        }
                    }
                    continue;
                }
                supervisor.deliver(received);
            }
            if (probe.outstanding()) {
                grace += System.nanoTime() - handOverStart;
            }
        }
        return false;
    }

    private void ping() throws Exception {
        try {
            supervisor.queueUsage(session.ping());
        } catch (Session.PingRefusedException e) {
            supervisor.pingRefused(e);
        }
    }

    /** The end-to-end probe did not come back: the connection accepts statements but does not deliver. */
    static final class ProbeFailedException extends java.sql.SQLException {
        private static final long serialVersionUID = 1L;

        ProbeFailedException(String message) {
            super(message, "08006");
        }
    }
}
