package io.pgnotify.core;

import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
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
    private final ControlHooks hooks;
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

    // The listening session, and the next one while rotating; only the listener thread reads them, the watchdog and
    // shutdown may abort them. Never more than these two.
    private volatile @Nullable Session session;
    private volatile @Nullable Session next;
    private final Rotation rotation;
    private final AtomicReference<@Nullable CompletableFuture<Void>> rotationRequest = new AtomicReference<>();
    // Listener thread only: when the current session is due for rotation by maxLifetime (0: never), and the backoff
    // of automatic rotations after abandoned ones.
    private long rotateAtNanos;
    private long rotationNotBefore;
    private int abandonedRotations;

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
    private volatile long rotations;
    private volatile @Nullable Instant lastRotationAt;

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
        this.state = state;
        this.publisher = publisher;
        this.policy = settings.reconnectPolicy();
        this.name = settings.name();
        this.control = new ListenerControl(this, settings, subscriptions, state, publisher, owned, dispatcher, prober);
        this.rotation = new Rotation(this, settings, publisher, privateChannel);
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
            failPendingRotation("the notifier stopped");
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
                s = Session.open(settings, newListenSet(), queueUsagePing);
                session = s;
                if (stopping()) {
                    break;
                }
                SessionReader reader = new SessionReader(this, s, probe(s), settings, privateChannel, false);
                while (reader.serve()) {
                    s = rotate(s);
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
        return new ListenSet(name, privateChannel, subscriptions, rejected, hooks, control::channelsApplied);
    }

    boolean stopping() {
        return control.stopping();
    }

    @Nullable
    Session session() {
        return session;
    }

    @Nullable
    Session rotating() {
        return next;
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
        scheduleRotation(s);
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
        failPendingRotation("the listening connection was lost");
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
        checkReader(session);
        checkReader(next);
    }

    private void checkReader(@Nullable Session s) {
        if (s != null && s.readerStuck(System.nanoTime())) {
            lastError = "The reader has not returned for longer than its wait plus the ping timeout ("
                    + settings.pingTimeout() + "): the network died inside a message";
            log.warn("[{}] {}; aborting the connection", name, lastError);
            s.abort();
        }
    }

    /** Asks for a rotation; the future completes on the control thread. */
    CompletableFuture<Void> requestRotation() {
        NotifierState current = state.get();
        if (current != NotifierState.LISTENING) {
            return CompletableFuture.failedFuture(new IllegalStateException(
                    "Notifier '" + name + "' cannot rotate: it is " + current + ", not LISTENING"));
        }
        CompletableFuture<Void> request = new CompletableFuture<>();
        CompletableFuture<Void> pending = rotationRequest.compareAndExchange(null, request);
        if (pending != null) {
            return pending;
        }
        control.wakeUp();
        return request;
    }

    private void failPendingRotation(String why) {
        CompletableFuture<Void> pending = rotationRequest.getAndSet(null);
        if (pending != null) {
            hooks.complete(pending, new IllegalStateException("Rotation not done: " + why));
        }
    }

    /** Whether the reader should hand its session over to a rotation now. */
    boolean rotationDue(Session s, long nowNanos) {
        return rotationRequest.get() != null
                || (rotateAtNanos != 0 && nowNanos - rotateAtNanos >= 0 && nowNanos - rotationNotBefore >= 0);
    }

    private void scheduleRotation(Session s) {
        Duration lifetime = settings.maxLifetime();
        if (lifetime == null) {
            rotateAtNanos = 0;
            return;
        }
        long nanos = (long)
                (lifetime.toNanos() * (1 - 0.1 * ThreadLocalRandom.current().nextDouble()));
        long at = s.openedAtNanos() + Math.max(1, nanos);
        rotateAtNanos = at == 0 ? 1 : at;
    }

    private Session rotate(Session old) throws Exception {
        CompletableFuture<Void> done = rotationRequest.getAndSet(null);
        Rotation.Outcome outcome;
        try {
            outcome = rotation.perform(old);
        } catch (Exception e) {
            if (done != null) {
                hooks.complete(done, e);
            }
            throw e;
        } finally {
            next = null;
        }
        Exception abandoned = outcome.abandoned();
        if (abandoned != null) {
            abandonedRotations++;
            rotationNotBefore =
                    System.nanoTime() + policy.nextDelay(abandonedRotations).toNanos();
            if (!stopping()) {
                hooks.onError(abandoned, null);
            }
        } else {
            abandonedRotations = 0;
        }
        if (done != null) {
            hooks.complete(done, abandoned);
        }
        session = outcome.session();
        if (outcome.session() != old) {
            scheduleRotation(outcome.session());
        }
        return outcome.session();
    }

    /** The next session of a rotation, or {@code null} once it is over. */
    void rotatingTo(@Nullable Session s) {
        next = s;
    }

    /** The rotation is done: the old session delivered up to the marker, the new one delivers from after it. */
    void rotated(Session old, Session now, Duration overlap) {
        session = now;
        next = null;
        rotations++;
        lastRotationAt = Instant.now();
        log.info(
                "[{}] rotated from backend pid {} to {} without a gap; both listened for {} ms",
                name,
                old.backendPid(),
                now.backendPid(),
                overlap.toMillis());
        hooks.onRotate(old.backendPid(), now.backendPid(), overlap);
    }

    /**
     * The old session was lost during a rotation, before it read the marker (or the new one is on another server):
     * the new one takes over, and what the old one did not read is a gap, announced like a reconnect.
     */
    void tookOver(Session old, Session now, Exception cause) {
        session = now;
        next = null;
        reconnects++;
        lastReconnectAt = Instant.now();
        lastError = Redaction.describe(cause);
        log.warn(
                "[{}] the listening session (backend pid {}) was lost during a rotation: {}; backend pid {} took over"
                        + " at once, notifications the old one had not read may be lost",
                name,
                old.backendPid(),
                lastError,
                now.backendPid());
        hooks.onDisconnect(cause);
        hooks.onReconnect(1, Duration.ZERO);
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
                Map.copyOf(rejected),
                s == null ? null : Duration.between(s.openedAt(), Instant.now()),
                lastRotationAt,
                rotations,
                0,
                Map.of());
    }
}
