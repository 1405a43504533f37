package io.pgnotify.core;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * The supervisor's account of its connection attempts, for the backoff and the gap. Failed attempts in a row, and
 * flaps (verified sessions lost before a healthy ping interval), set the wait before the next attempt; a gap runs from
 * the loss of any session that had LISTENed until the next one is verified. Pure bookkeeping: used by the listener
 * thread only, and by {@link #restart} before that thread starts.
 */
final class Attempts {

    /** A gap closed by a verified session: the attempts it took and how long nothing was listened to. */
    record Gap(int attempts, Duration downtime) {}

    private final ReconnectPolicy policy;
    private final int maxAttempts;
    private final long healthyNanos;

    // Failed attempts in a row (for maxReconnectAttempts and the backoff); reset when a session is verified.
    private int failures;
    // Verified sessions lost before a healthy ping interval, in a row: backs off the first attempt after such a loss,
    // so that a connection that verifies and dies at once is not retried in a tight loop. Reset once healthy.
    private int flaps;
    private boolean everVerified;
    private int sinceLoss;
    private boolean gapOpen;
    private long disconnectedAtNanos;
    // How far the current session got.
    private boolean listened;
    private boolean verified;
    private boolean healthy;
    private long verifiedAtNanos;

    /**
     * @param maxAttempts failed attempts in a row after which to give up, 0 for never
     * @param healthy how long a verified session must live for its loss to be retried at once (the ping interval)
     */
    Attempts(ReconnectPolicy policy, int maxAttempts, Duration healthy) {
        this.policy = policy;
        this.maxAttempts = maxAttempts;
        this.healthyNanos = healthy.toNanos();
    }

    int failures() {
        return failures;
    }

    boolean everVerified() {
        return everVerified;
    }

    /** Whether {@code maxAttempts} attempts in a row failed: time to give up. */
    boolean exhausted() {
        return maxAttempts > 0 && failures >= maxAttempts;
    }

    /** The wait before the next attempt, or {@code null} to make it at once. */
    @Nullable
    Duration backoff() {
        if (failures > 0) {
            return policy.nextDelay(failures);
        }
        // the first attempt after a single loss is made at once; after repeated short-lived sessions, backoff
        return flaps > 1 ? policy.nextDelay(flaps - 1) : null;
    }

    /** A new session is being opened. */
    void opening() {
        sinceLoss++;
        listened = false;
        verified = false;
        healthy = false;
    }

    /** The session's LISTEN succeeded: from now on, losing it is a gap. */
    void listened() {
        listened = true;
    }

    /** The session is verified: the failures are over; returns the gap this closes, or {@code null}. */
    @Nullable
    Gap verified(long nowNanos) {
        verified = true;
        everVerified = true;
        verifiedAtNanos = nowNanos;
        failures = 0;
        Gap gap = gapOpen ? new Gap(sinceLoss, Duration.ofNanos(nowNanos - disconnectedAtNanos)) : null;
        gapOpen = false;
        sinceLoss = 0;
        return gap;
    }

    /** A probe came back: after a whole healthy ping interval, the next loss is retried at once, not after a backoff. */
    void probeReturned(long nowNanos) {
        if (verified && nowNanos - verifiedAtNanos >= healthyNanos) {
            healthy = true;
            flaps = 0;
        }
    }

    /**
     * The session was lost, or could not be opened.
     *
     * @return whether it had been verified (a lost connection); otherwise it was a failed attempt
     */
    boolean lost(long nowNanos) {
        if (listened && !gapOpen) {
            gapOpen = true;
            disconnectedAtNanos = nowNanos;
        }
        if (verified) {
            if (!healthy) {
                flaps++;
            }
            return true;
        }
        failures++;
        return false;
    }

    /** A new run after a stop: the time since the stop, if it was listening ({@code != 0}), is a gap to announce. */
    void restart(long stoppedWhileListeningAt) {
        failures = 0;
        flaps = 0;
        sinceLoss = 0;
        if (stoppedWhileListeningAt != 0) {
            gapOpen = true;
            disconnectedAtNanos = stoppedWhileListeningAt;
        }
    }
}
