package io.pgnotify.core.durable;

import java.time.Duration;
import java.util.Objects;

/**
 * How long a group waits before retrying a failed message: {@code initial × multiplier^(failures-1)}, at most
 * {@code max}.
 *
 * @param initial the wait after the first failure
 * @param multiplier growth per further failure, at least 1
 * @param max the longest wait
 */
public record RetryBackoff(Duration initial, double multiplier, Duration max) {

    /** Checks the components. */
    public RetryBackoff {
        Objects.requireNonNull(initial, "'initial' must not be null");
        Objects.requireNonNull(max, "'max' must not be null");
        if (initial.isNegative() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException(
                    "Retry backoff needs 0 <= initial <= max, got initial " + initial + ", max " + max);
        }
        if (!(multiplier >= 1.0) || Double.isInfinite(multiplier)) {
            throw new IllegalArgumentException("Retry backoff multiplier must be at least 1, got " + multiplier);
        }
    }

    /**
     * The wait after a number of failures.
     *
     * @param failures failures so far, at least 1
     * @return the wait
     */
    public Duration delay(int failures) {
        double millis = initial.toMillis() * Math.pow(multiplier, Math.max(0, failures - 1));
        return millis >= max.toMillis() ? max : Duration.ofMillis((long) millis);
    }
}
