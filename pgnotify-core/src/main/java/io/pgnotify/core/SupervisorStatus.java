package io.pgnotify.core;

import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * What the supervisor publishes: the state and the figures of {@link Notifier#status()}. The listener thread writes
 * them as sessions come and go; any thread reads them.
 */
final class SupervisorStatus {

    private final String name;
    private final String privateChannel;
    private final AtomicReference<NotifierState> state;
    private final Runnable stateChanged;

    // Channels the server refused to LISTEN to while the connection itself was fine: channel -> why. Until
    // unsubscribed. Written by the listener thread's ListenSet, read by anyone.
    final Map<String, String> rejected = new ConcurrentHashMap<>();

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

    /**
     * @param stateChanged run after every change of state, to wake those who wait for one
     */
    SupervisorStatus(String name, String privateChannel, AtomicReference<NotifierState> state, Runnable stateChanged) {
        this.name = name;
        this.privateChannel = privateChannel;
        this.state = state;
        this.stateChanged = stateChanged;
    }

    /** Moves to {@code next}, unless shutdown has begun: STOPPING and STOPPED are left by shutdown alone. */
    void setState(NotifierState next) {
        NotifierState current;
        do {
            current = state.get();
            if (current == NotifierState.STOPPING || current == NotifierState.STOPPED) {
                return;
            }
        } while (!state.compareAndSet(current, next));
        stateChanged.run();
    }

    NotifierState state() {
        return state.get();
    }

    @Nullable
    String lastError() {
        return lastError;
    }

    void lastError(@Nullable String message) {
        lastError = message;
    }

    /** A session was verified: connected from now, no failed attempts. */
    void connected() {
        failedAttempts = 0;
        connectedSince = Instant.now();
    }

    void disconnected() {
        connectedSince = null;
    }

    void failedAttempts(int failures) {
        failedAttempts = failures;
    }

    void reconnected() {
        reconnects++;
        lastReconnectAt = Instant.now();
    }

    void rotated() {
        rotations++;
        lastRotationAt = Instant.now();
    }

    /** The probe came back: the connection delivers, whatever failed before. */
    void probeReturned() {
        lastPingAt = Instant.now();
        lastError = null;
    }

    double queueUsage() {
        return queueUsage;
    }

    void queueUsage(double usage) {
        queueUsage = usage;
    }

    /** The figures now, with {@code s} the session being read (or {@code null}). */
    NotifierStatus snapshot(@Nullable Session s, Set<String> channels, int buffered) {
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
