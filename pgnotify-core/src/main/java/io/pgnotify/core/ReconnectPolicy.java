package io.pgnotify.core;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Delays between connection attempts: exponential from the initial interval by the multiplier, capped, with jitter
 * so that many instances restarted together do not reconnect in lockstep.
 */
final class ReconnectPolicy {

    private final long initialNanos;
    private final long maxNanos;
    private final double multiplier;
    private final double jitter;

    ReconnectPolicy(Duration initial, Duration max, double multiplier, double jitter) {
        this.initialNanos = initial.toNanos();
        this.maxNanos = max.toNanos();
        this.multiplier = multiplier;
        this.jitter = jitter;
    }

    /**
     * The delay before the next attempt after {@code failures} failed ones in a row (1 or more): the initial interval
     * times multiplier^(failures - 1), at most the maximum, then moved by up to ±jitter of itself.
     */
    Duration nextDelay(int failures) {
        return Duration.ofNanos(
                withJitter(baseNanos(failures), ThreadLocalRandom.current().nextDouble()));
    }

    long baseNanos(int failures) {
        double base = initialNanos * Math.pow(multiplier, Math.max(0, failures - 1));
        return (long) Math.min(base, maxNanos);
    }

    /** {@code random} in [0, 1) maps to [-jitter, +jitter). */
    long withJitter(long baseNanos, double random) {
        return Math.max(0, (long) (baseNanos * (1 + jitter * (2 * random - 1))));
    }
}
