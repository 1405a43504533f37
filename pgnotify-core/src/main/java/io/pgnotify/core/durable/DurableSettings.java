package io.pgnotify.core.durable;

import java.time.Duration;

/** The validated options of a {@link DurableChannels}, defaults in {@link DurableChannelsBuilder}. */
record DurableSettings(
        String instance,
        Duration pollInterval,
        Duration leaseTimeout,
        int maxAttempts,
        RetryBackoff retryBackoff,
        int batchSize,
        Duration retention,
        StartFrom startFrom,
        DurableListener listener) {

    /** How long an idle owner waits between looks (and lease renewals). */
    long idleWaitMillis() {
        return Math.max(1, Math.min(pollInterval.toMillis(), leaseTimeout.toMillis() / 3));
    }

    /** How long to wait before retrying a message that failed on this attempt. */
    long retryDelayMillis(int attempt) {
        return retryBackoff.delay(Math.max(1, attempt)).toMillis();
    }

    /** How often a standby instance tries to take a lease over. */
    long standbyWaitMillis() {
        return Math.max(1, Math.min(pollInterval.toMillis(), leaseTimeout.toMillis() / 4));
    }
}
