package io.pgnotify.core;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When the supervisor rotates its session and what it makes of the outcome: rotations asked for by
 * {@link Notifier#rotate()} or due by {@code maxLifetime}, a backoff after abandoned ones, and the hand-over to the
 * next session, which {@link Rotation} performs.
 */
final class Rotations {

    private static final Logger log = LoggerFactory.getLogger(Notifier.class);

    private final Supervisor supervisor;
    private final Settings settings;
    private final ControlHooks hooks;
    private final SupervisorStatus status;
    private final Rotation rotation;
    private final ReconnectPolicy policy;
    private final String name;

    // Asked for by any thread, taken by the listener thread.
    private final AtomicReference<@Nullable CompletableFuture<Void>> request = new AtomicReference<>();
    // The next session while rotating; only the listener thread reads it, the watchdog and shutdown may abort it.
    private volatile @Nullable Session next;
    // The reading thread only (the listener thread, or one worker at a time: see SessionReader): when the current
    // session is due for rotation by maxLifetime (0: never), and the backoff
    // of automatic rotations after abandoned ones.
    private long rotateAtNanos;
    private long notBefore;
    private int abandoned;

    Rotations(
            Supervisor supervisor,
            Settings settings,
            ControlHooks hooks,
            SupervisorStatus status,
            Publisher publisher,
            String privateChannel) {
        this.supervisor = supervisor;
        this.settings = settings;
        this.hooks = hooks;
        this.status = status;
        this.policy = settings.reconnectPolicy();
        this.name = settings.name();
        this.rotation = new Rotation(supervisor, this, settings, publisher, privateChannel);
    }

    @Nullable
    Session next() {
        return next;
    }

    /** Asks for a rotation; the future completes on the control thread. */
    CompletableFuture<Void> requestRotation() {
        NotifierState current = status.state();
        if (current != NotifierState.LISTENING) {
            return CompletableFuture.failedFuture(new IllegalStateException(
                    "Notifier '" + name + "' cannot rotate: it is " + current + ", not LISTENING"));
        }
        CompletableFuture<Void> asked = new CompletableFuture<>();
        CompletableFuture<Void> pending = request.compareAndExchange(null, asked);
        if (pending != null) {
            return pending;
        }
        supervisor.control.wakeUp();
        return asked;
    }

    void failPendingRotation(String why) {
        CompletableFuture<Void> pending = request.getAndSet(null);
        if (pending != null) {
            hooks.complete(pending, new IllegalStateException("Rotation not done: " + why));
        }
    }

    /** Whether the reader should hand its session over to a rotation now. */
    boolean rotationDue(long nowNanos) {
        return request.get() != null
                || (rotateAtNanos != 0 && nowNanos - rotateAtNanos >= 0 && nowNanos - notBefore >= 0);
    }

    /** Sets when {@code s}, just verified, is due for rotation by {@code maxLifetime}, less up to 10% of it. */
    void scheduleRotation(Session s) {
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

    /**
     * Rotates away from {@code old} and returns the session to read from now on (the old one if the rotation was
     * abandoned); throws when the old session was lost and no new one took over.
     */
    Session rotate(Session old) throws Exception {
        CompletableFuture<Void> done = request.getAndSet(null);
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
        Exception failure = outcome.abandoned();
        if (failure != null) {
            abandoned++;
            notBefore = System.nanoTime() + policy.nextDelay(abandoned).toNanos();
            if (!supervisor.stopping()) {
                hooks.onError(failure, null);
            }
        } else {
            abandoned = 0;
        }
        if (done != null) {
            hooks.complete(done, failure);
        }
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
        supervisor.handedOver(now);
        next = null;
        status.rotated();
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
        supervisor.handedOver(now);
        next = null;
        status.reconnected();
        String why = Redaction.describe(cause);
        status.lastError(why);
        log.warn(
                "[{}] the listening session (backend pid {}) was lost during a rotation: {}; backend pid {} took over"
                        + " at once, notifications the old one had not read may be lost",
                name,
                old.backendPid(),
                why,
                now.backendPid());
        hooks.onDisconnect(cause);
        hooks.onReconnect(1, Duration.ZERO);
    }
}
