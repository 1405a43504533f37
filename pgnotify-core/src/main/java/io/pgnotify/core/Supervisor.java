package io.pgnotify.core;

import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listener thread: opens a {@link Session}, has a {@link SessionReader} read it, and when it is lost opens the
 * next with backoff. It keeps the state machine, the gap accounting (a gap exists from the loss of any session that
 * had LISTENed until the next one is verified, and is announced by {@code onReconnect}) and the status.
 */
final class Supervisor implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(Notifier.class);

    private final Settings settings;
    private final Subscriptions subscriptions;
    private final NotifierListener hooks;
    private final AtomicReference<NotifierState> state;
    private final Publisher publisher;
    private final ReconnectPolicy policy;
    private final String name;
    final ListenerControl control;

    /** Private to this notifier: carries the end-to-end probe and wake-ups. */
    final String privateChannel =
            "pgnotify." + Long.toHexString(ThreadLocalRandom.current().nextLong());

    // Channels the server refused to LISTEN to while the connection itself was fine: channel -> why. Until
    // unsubscribed.
    private final Map<String, String> rejected = new ConcurrentHashMap<>();

    // The listening session; only the listener thread reads it, the watchdog and shutdown may abort it.
    private volatile @Nullable Session session;

    // Listener thread only.
    // Failed attempts in a row (for maxReconnectAttempts and the backoff); reset when a session is verified.
    private int failures;
    // Verified sessions lost before a healthy ping interval, in a row: backs off the first attempt after such a loss,
    // so that a connection that verifies and dies at once is not retried in a tight loop. Reset once healthy.
    private int flaps;
    private boolean everVerified;
    private int attemptsSinceLoss;
    private boolean gapOpen;
    private long disconnectedAtNanos;
    private boolean sessionListened;
    private boolean sessionVerified;
    private boolean sessionHealthy;
    private long verifiedAtNanos;
    private double lastQueueUsage;
    private boolean queueUsagePing = true;

    // Written by the listener thread (and the watchdog for lastError), read by anyone.
    private volatile @Nullable Instant connectedSince;
    private volatile @Nullable Instant lastReconnectAt;
    private volatile @Nullable Instant lastPingAt;
    private volatile double queueUsage;
    private volatile @Nullable String lastError;
    private volatile int failedAttempts;
    private volatile long reconnects;

    Supervisor(
            Settings settings,
            Subscriptions subscriptions,
            Dispatcher dispatcher,
            NotifierListener hooks,
            AtomicReference<NotifierState> state,
            Publisher publisher,
            ExecutorService prober,
            OwnedThreads owned) {
        this.settings = settings;
        this.subscriptions = subscriptions;
        this.hooks = hooks;
        this.state = state;
        this.publisher = publisher;
        this.policy = settings.reconnectPolicy();
        this.name = settings.name();
        this.control = new ListenerControl(this, settings, subscriptions, state, publisher, owned, dispatcher, prober);
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
        }
    }

    private void superviseSessions() {
        while (!stopping()) {
            if (failures > 0) {
                if (settings.maxReconnectAttempts() > 0 && failures >= settings.maxReconnectAttempts()) {
                    giveUp();
                    return;
                }
                if (!control.pause(policy.nextDelay(failures))) {
                    break;
                }
            } else if (flaps > 1 && !control.pause(policy.nextDelay(flaps - 1))) {
                // the first attempt after a single loss is made at once; after repeated short-lived sessions, backoff
                break;
            }
            Session s = null;
            try {
                attemptsSinceLoss++;
                sessionListened = false;
                sessionVerified = false;
                sessionHealthy = false;
                s = Session.open(settings, listenSet(), queueUsagePing);
                session = s;
                if (stopping()) {
                    break;
                }
                Probe probe = new Probe(
                        publisher,
                        control.prober(),
                        privateChannel,
                        "probe:" + s.backendPid() + ":",
                        settings.pingTimeout());
                new SessionReader(this, s, probe, settings, privateChannel).serve();
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

    private ListenSet listenSet() {
        return new ListenSet(name, privateChannel, subscriptions, rejected, hooks, control::channelsApplied);
    }

    boolean stopping() {
        return control.stopping();
    }

    @Nullable
    Session session() {
        return session;
    }

    /** The session's LISTEN succeeded: from now on, losing it is a gap. */
    void listened(Session s) {
        sessionListened = true;
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
            lastQueueUsage = usage;
            queueUsage = usage;
        }
    }

    void pingRefused(SQLException e) {
        queueUsagePing = false;
        log.warn("[{}] {}", name, e.getMessage());
        hooks.onError(e, null);
    }

    void probeUnsent(String why) {
        // The publisher could not send the probe: the listening side is unproven, not broken.
        lastError = "The probe notification could not be sent: " + why;
    }

    void probeReturned(Session s, Duration roundTrip) {
        lastPingAt = Instant.now();
        lastError = null;
        if (sessionVerified
                && System.nanoTime() - verifiedAtNanos
                        >= settings.pingInterval().toNanos()) {
            // A whole healthy ping interval: the next loss is retried at once, not after a backoff.
            sessionHealthy = true;
            flaps = 0;
        }
        hooks.onPing(roundTrip, lastQueueUsage);
    }

    /** The session proved it delivers (or could not be proven, the publisher being stuck): the notifier listens. */
    void verified(Session s, long nowNanos) {
        sessionVerified = true;
        everVerified = true;
        verifiedAtNanos = nowNanos;
        failures = 0;
        failedAttempts = 0;
        connectedSince = Instant.now();
        if (!stopping()) {
            setState(NotifierState.LISTENING);
        }
        hooks.onConnect();
        if (gapOpen) {
            Duration downtime = Duration.ofNanos(nowNanos - disconnectedAtNanos);
            reconnects++;
            lastReconnectAt = Instant.now();
            log.info(
                    "[{}] reconnected after {} attempt(s), {} ms without listening; notifications sent meanwhile"
                            + " were lost",
                    name,
                    attemptsSinceLoss,
                    downtime.toMillis());
            hooks.onReconnect(attemptsSinceLoss, downtime);
            gapOpen = false;
        } else {
            log.info(
                    "[{}] listening to {} channel(s) (backend pid {})",
                    name,
                    s.channels.listened().size() - 1,
                    s.backendPid());
        }
        attemptsSinceLoss = 0;
    }

    private void lost(@Nullable Session s, Exception cause) {
        if (s != null) {
            s.close(false);
        }
        session = null;
        connectedSince = null;
        if (stopping()) {
            return;
        }
        lastError = Redaction.describe(cause);
        if (sessionListened && !gapOpen) {
            gapOpen = true;
            disconnectedAtNanos = System.nanoTime();
        }
        if (sessionVerified) {
            if (!sessionHealthy) {
                flaps++;
            }
            setState(NotifierState.RECONNECTING);
            log.warn("[{}] listening connection lost: {}; reconnecting", name, lastError);
            hooks.onDisconnect(cause);
        } else {
            failures++;
            failedAttempts = failures;
            setState(everVerified ? NotifierState.RECONNECTING : NotifierState.CONNECTING);
            log.warn("[{}] connection attempt {} failed: {}", name, failures, lastError);
            hooks.onError(cause, null);
        }
    }

    /** Anything else thrown on the listener thread ends it: FAILED, with the cause in the status and onError. */
    private void failed(Throwable cause) {
        Session s = session;
        if (s != null) {
            s.abort();
        }
        connectedSince = null;
        lastError = Redaction.describe(cause);
        setState(NotifierState.FAILED);
        log.error("[{}] the listener failed unexpectedly and stopped: {}", name, lastError, cause);
        hooks.onError(cause, null);
    }

    private void giveUp() {
        String message = "Gave up after " + failures + " failed connection attempt(s) (maxReconnectAttempts = "
                + settings.maxReconnectAttempts() + "); last error: " + lastError;
        setState(NotifierState.FAILED);
        log.error("[{}] {}", name, message);
        hooks.onError(new SQLException(message, "08001"), null);
    }

    private void setState(NotifierState next) {
        NotifierState current;
        do {
            current = state.get();
            if (current == NotifierState.STOPPING || current == NotifierState.STOPPED) {
                return;
            }
        } while (!state.compareAndSet(current, next));
        control.channelsApplied();
    }

    /** Run by the watchdog: aborts a reader stuck past its wait plus the ping timeout, so the loss is noticed. */
    void checkReader() {
        Session s = session;
        if (s != null && s.readerStuck(System.nanoTime())) {
            lastError = "The reader has not returned for longer than its wait plus the ping timeout ("
                    + settings.pingTimeout() + "): the network died inside a message";
            log.warn("[{}] {}; aborting the connection", name, lastError);
            s.abort();
        }
    }

    /** Prepares a new run after a stop: the time since the stop, if it was listening, is a gap to announce. */
    void restart(long stoppedWhileListeningAt) {
        failures = 0;
        flaps = 0;
        attemptsSinceLoss = 0;
        if (stoppedWhileListeningAt != 0) {
            gapOpen = true;
            disconnectedAtNanos = stoppedWhileListeningAt;
        }
    }

    @Nullable
    String rejection(String channel) {
        return rejected.get(channel);
    }

    Set<String> listened() {
        Session s = session;
        return s == null ? Set.of() : s.channels.listened();
    }

    NotifierStatus status(Set<String> channels, int buffered) {
        Session s = session;
        Set<String> visible = new HashSet<>(s == null ? Set.of() : s.channels.listened());
        visible.remove(privateChannel);
        return new NotifierStatus(
                name,
                state.get(),
                channels,
                Set.copyOf(visible),
                failedAttempts,
                reconnects,
                s == null ? 0 : s.backendPid(),
                connectedSince,
                lastReconnectAt,
                lastPingAt,
                queueUsage,
                buffered,
                lastError,
                Map.copyOf(rejected));
    }
}
