package io.pgnotify.core;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * A snapshot of a {@link Notifier}'s health, for health checks and operators. Never contains credentials.
 *
 * @param name the notifier's name
 * @param state the state
 * @param channels the channels with at least one subscriber
 * @param listenedChannels the channels LISTENed to on the current connection
 * @param reconnectAttempts failed connection attempts since the connection was lost (0 while listening)
 * @param reconnects completed reconnects since start
 * @param backendPid the listening connection's backend process id, 0 when not connected
 * @param connectedSince when the current listening connection was opened, or {@code null}
 * @param lastReconnectAt when the last reconnect completed, or {@code null}
 * @param lastPingAt when the last ping and probe succeeded, or {@code null}
 * @param serverQueueUsage {@code pg_notification_queue_usage()} at the last ping, 0 to 1
 * @param buffered notifications waiting for their handlers
 * @param lastError the last connection or probe failure's message, or {@code null}
 * @param failedChannels subscribed channels the server refused to LISTEN to (by name, why), while the others listen
 * @param sessionAge how long the current listening session has been open (rotations open new ones), or {@code null}
 * @param lastRotationAt when the last rotation completed, or {@code null}
 * @param rotations completed rotations since start
 * @param stuckHandlers handler threads that ran past the callback timeout, ignored the interrupt and have not returned
 * @param quarantined channels with subscriptions quarantined for a stuck handler, with how many each; their
 *     notifications are dropped (and reported) until the handler returns, while the rest keep flowing
 */
public record NotifierStatus(
        String name,
        NotifierState state,
        Set<String> channels,
        Set<String> listenedChannels,
        int reconnectAttempts,
        long reconnects,
        int backendPid,
        @Nullable Instant connectedSince,
        @Nullable Instant lastReconnectAt,
        @Nullable Instant lastPingAt,
        double serverQueueUsage,
        int buffered,
        @Nullable String lastError,
        Map<String, String> failedChannels,
        @Nullable Duration sessionAge,
        @Nullable Instant lastRotationAt,
        long rotations,
        int stuckHandlers,
        Map<String, Integer> quarantined) {

    /** Copies the maps, so the snapshot stays a snapshot. */
    public NotifierStatus {
        failedChannels = Map.copyOf(failedChannels);
        quarantined = Map.copyOf(quarantined);
    }

    /** This status with the dispatcher's figures. */
    NotifierStatus withHandlers(int stuck, Map<String, Integer> quarantinedChannels) {
        return new NotifierStatus(
                name,
                state,
                channels,
                listenedChannels,
                reconnectAttempts,
                reconnects,
                backendPid,
                connectedSince,
                lastReconnectAt,
                lastPingAt,
                serverQueueUsage,
                buffered,
                lastError,
                failedChannels,
                sessionAge,
                lastRotationAt,
                rotations,
                stuck,
                quarantinedChannels);
    }

    /**
     * Whether the notifier is listening to every subscribed channel (but those in {@link #failedChannels()}, which
     * were reported when refused) and its last probe, if any, succeeded. Stuck handlers and quarantined
     * subscriptions do not make it unhealthy: the connection delivers, and they are reported on their own.
     *
     * @return {@code true} when healthy
     */
    public boolean healthy() {
        return state == NotifierState.LISTENING
                && listenedChannels.containsAll(channels.stream()
                        .filter(channel -> !failedChannels.containsKey(channel))
                        .collect(Collectors.toSet()))
                && lastError == null;
    }
}
