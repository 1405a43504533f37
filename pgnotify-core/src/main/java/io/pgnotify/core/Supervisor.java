package io.pgnotify.core;

import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listener thread: opens a {@link Session}, has a {@link SessionReader} read it (on a worker, with the notifier's
 * own threads), and when it is lost opens the
 * next with backoff. It drives the state machine and announces what happens to its sessions (connect, disconnect,
 * the gap as a reconnect); it counts its attempts in {@link Attempts}, publishes its figures in
 * {@link SupervisorStatus} and rotates through {@link Rotations}.
 */
final class Supervisor implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(Notifier.class);

    private final Settings settings;
    private final Subscriptions subscriptions;
    private final ControlHooks hooks;
    private final Publisher publisher;
    private final String name;
    final ListenerControl control;
    private final SupervisorStatus status;
    final Rotations rotations;

    /** Private to this notifier: carries the end-to-end probe and wake-ups. */
    final String privateChannel =
            "pgnotify." + Long.toHexString(ThreadLocalRandom.current().nextLong());

    // The listening session; only its reading thread (see SessionReader) reads from it, the watchdog and shutdown may
    // abort it. While
    // rotating, the next one is Rotations.next(): never more than these two.
    private volatile @Nullable Session session;

    // The reading thread only, one at a time (see SessionReader).
    private final Attempts attempts;
    private boolean queueUsagePing = true;

    Supervisor(
            Settings settings,
            Subscriptions subscriptions,
            Dispatcher dispatcher,
            ControlHooks hooks,
            AtomicReference<NotifierState> state,
            Publisher publisher,
            ExecutorService prober,
            OwnedThreads owned) {
        this.settings = settings;
        this.subscriptions = subscriptions;
        this.hooks = hooks;
        this.publisher = publisher;
        this.attempts =
                new Attempts(settings.reconnectPolicy(), settings.maxReconnectAttempts(), settings.pingInterval());
        this.name = settings.name();
        this.control = new ListenerControl(this, settings, subscriptions, state, publisher, owned, dispatcher, prober);
        this.status = new SupervisorStatus(name, privateChannel, state, control::channelsApplied);
        this.rotations = new Rotations(this, settings, hooks, status, publisher, privateChannel);
    }

    @Override
    public void run() {
        try {
            superviseSessions();
        } catch (Throwable t) {
            failed(t);
            if (t instanceof VirtualMachineError error && !(t instanceof StackOverflowError)) {
                throw error;
            }
        } finally {
            session = null;
            rotations.failPendingRotation("the notifier stopped");
        }
    }

    private void superviseSessions() {
        while (!stopping()) {
            if (attempts.exhausted()) {
                giveUp();
                return;
            }
            Duration backoff = attempts.backoff();
            if (backoff != null && !control.pause(backoff)) {
                break;
            }
            Session s = null;
            try {
                attempts.opening();
                s = Session.open(settings, newListenSet(), queueUsagePing);
                session = s;
                if (stopping()) {
                    break;
                }
                SessionReader reader = new SessionReader(this, s, probe(s), settings, privateChannel, false);
                while (reader.serve()) {
                    s = rotations.rotate(s);
                    session = s;
                    reader = new SessionReader(this, s, probe(s), settings, privateChannel, true);
                }
            } catch (Exception e) {
                if (s != null) {
                    deliverAll(s.takeRead());
                }
                lost(s, e);
                s = null;
            } finally {
                if (s != null) {
                    deliverAll(s.close(true));
                }
                session = null;
            }
        }
    }

    private Probe probe(Session s) {
        return new Probe(
                publisher, control.prober(), privateChannel, "probe:" + s.backendPid() + ":", settings.pingTimeout());
    }

    ListenSet newListenSet() {
        return new ListenSet(name, privateChannel, subscriptions, status.rejected, hooks, control::channelsApplied);
    }

    boolean stopping() {
        return control.stopping();
    }

    @Nullable
    Session session() {
        return session;
    }

    /** A rotation handed reading over to {@code now}. */
    void handedOver(Session now) {
        session = now;
    }

    /** Whether the reader should hand its session over to a rotation now. */
    boolean rotationDue(Session s, long nowNanos) {
        return rotations.rotationDue(nowNanos);
    }

    /** The session's LISTEN succeeded: from now on, losing it is a gap. */
    void listened(Session s) {
        attempts.listened();
    }

    void deliver(PGNotification received) throws InterruptedException {
        Notification notification =
                new Notification(received.getName(), received.getParameter(), received.getPID(), Instant.now());
        hooks.onNotification(notification);
        control.dispatcher().offer(notification);
    }

    /** Notifications read just before an error or with the UNLISTEN at close: they arrived while listening. */
    private void deliverAll(List<PGNotification> read) {
        try {
            for (PGNotification received : read) {
                if (!privateChannel.equals(received.getName())) {
                    deliver(received);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    void queueUsage(double usage) {
        if (usage >= 0) {
            status.queueUsage(usage);
        }
    }

    void pingRefused(SQLException e) {
        queueUsagePing = false;
        log.warn("[{}] {}", name, e.getMessage());
        hooks.onError(e, null);
    }

    void probeUnsent(String why) {
        // The publisher could not send the probe: the listening side is unproven, not broken.
        status.lastError("The probe notification could not be sent: " + why);
    }

    void probeReturned(Session s, Duration roundTrip) {
        status.probeReturned();
        attempts.probeReturned(System.nanoTime());
        hooks.onPing(roundTrip, status.queueUsage());
    }

    /** The session proved it delivers (or could not be proven, the publisher being stuck): the notifier listens. */
    void verified(Session s, long nowNanos) {
        rotations.scheduleRotation(s);
        Attempts.Gap gap = attempts.verified(nowNanos);
        status.connected();
        if (!stopping()) {
            status.setState(NotifierState.LISTENING);
        }
        hooks.onConnect();
        if (gap != null) {
            status.reconnected();
            log.info(
                    "[{}] reconnected after {} attempt(s), {} ms without listening; notifications sent meanwhile"
                            + " were lost",
                    name,
                    gap.attempts(),
                    gap.downtime().toMillis());
            hooks.onReconnect(gap.attempts(), gap.downtime());
        } else {
            log.info(
                    "[{}] listening to {} channel(s) (backend pid {})",
                    name,
                    s.channels.listened().size() - 1,
                    s.backendPid());
        }
    }

    private void lost(@Nullable Session s, Exception cause) {
        if (s != null) {
            s.close(false);
        }
        rotations.failPendingRotation("the listening connection was lost");
        session = null;
        status.disconnected();
        if (stopping()) {
            return;
        }
        String lastError = Redaction.describe(cause);
        status.lastError(lastError);
        if (attempts.lost(System.nanoTime())) {
            status.setState(NotifierState.RECONNECTING);
            log.warn("[{}] listening connection lost: {}; reconnecting", name, lastError);
            hooks.onDisconnect(cause);
        } else {
            status.failedAttempts(attempts.failures());
            status.setState(attempts.everVerified() ? NotifierState.RECONNECTING : NotifierState.CONNECTING);
            log.warn("[{}] connection attempt {} failed: {}", name, attempts.failures(), lastError);
            hooks.onError(cause, null);
        }
    }

    /** Anything else thrown on the listener thread ends it: FAILED, with the cause in the status and onError. */
    private void failed(Throwable cause) {
        Session s = session;
        if (s != null) {
            s.abort();
        }
        status.disconnected();
        String lastError = Redaction.describe(cause);
        status.lastError(lastError);
        status.setState(NotifierState.FAILED);
        log.error("[{}] the listener failed unexpectedly and stopped: {}", name, lastError, cause);
        hooks.onError(cause, null);
    }

    private void giveUp() {
        String message =
                "Gave up after " + attempts.failures() + " failed connection attempt(s) (maxReconnectAttempts = "
                        + settings.maxReconnectAttempts() + "); last error: " + status.lastError();
        status.setState(NotifierState.FAILED);
        log.error("[{}] {}", name, message);
        hooks.onError(new SQLException(message, "08001"), null);
    }

    /** Run by the watchdog: aborts a reader stuck past its wait plus the ping timeout, so the loss is noticed. */
    void checkReader() {
        checkReader(session);
        checkReader(rotations.next());
    }

    private void checkReader(@Nullable Session s) {
        if (s != null && s.readerStuck(System.nanoTime())) {
            String lastError = "The reader has not returned for longer than its wait plus the ping timeout ("
                    + settings.pingTimeout() + "): the network died inside a message";
            status.lastError(lastError);
            log.warn("[{}] {}; aborting the connection", name, lastError);
            s.abort();
        }
    }

    /** Prepares a new run after a stop: the time since the stop, if it was listening, is a gap to announce. */
    void restart(long stoppedWhileListeningAt) {
        attempts.restart(stoppedWhileListeningAt);
    }

    @Nullable
    String rejection(String channel) {
        return status.rejected.get(channel);
    }

    Set<String> listened() {
        Session s = session;
        return s == null ? Set.of() : s.channels.listened();
    }

    NotifierStatus status(Set<String> channels, int buffered) {
        return status.snapshot(session, channels, buffered);
    }
}
