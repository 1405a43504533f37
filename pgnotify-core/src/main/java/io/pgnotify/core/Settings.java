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

    /** Without a maximum session lifetime (no rotation), with the default stuck-handler budget. */
    Settings(
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
            @Nullable ThreadFactory handlerThreads) {
        this(
                name,
                provider,
                publisher,
                reconnectInterval,
                maxReconnectInterval,
                maxReconnectAttempts,
                reconnectBackoffMultiplier,
                reconnectJitter,
                maxPayloadSize,
                pingInterval,
                pingTimeout,
                callbackTimeout,
                bufferSize,
                overflowPolicy,
                shutdownTimeout,
                maxWorkers,
                applicationName,
                listener,
                handlerThreads,
                null,
                2);
    }

    ReconnectPolicy reconnectPolicy() {
        return new ReconnectPolicy(
                reconnectInterval, maxReconnectInterval, reconnectBackoffMultiplier, reconnectJitter);
    }
}
