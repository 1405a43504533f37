package io.pgnotify.core;

import java.time.Duration;
import java.util.concurrent.ThreadFactory;
import org.jspecify.annotations.Nullable;

/** A {@link Notifier}'s validated configuration. */
record Settings(
        String name,
        ConnectionProvider provider,
        ConnectionProvider publisher,
        Duration reconnectInterval,
        Duration maxReconnectInterval,
        int maxReconnectAttempts,
        double reconnectBackoffMultiplier,
        double reconnectJitter,
        int maxPayloadSize,
        Duration pingInterval,
        Duration pingTimeout,
        Duration callbackTimeout,
        int bufferSize,
        OverflowPolicy overflowPolicy,
        Duration shutdownTimeout,
        int maxWorkers,
        String applicationName,
        NotifierListener listener,
        @Nullable ThreadFactory handlerThreads,
        @Nullable Duration maxLifetime,
        int stuckHandlerBudget) {

    ReconnectPolicy reconnectPolicy() {
        return new ReconnectPolicy(
                reconnectInterval, maxReconnectInterval, reconnectBackoffMultiplier, reconnectJitter);
    }
}
