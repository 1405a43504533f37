package io.pgnotify.core;

import java.time.Duration;
import java.util.Objects;

/**
 * The rules for the values of {@link Notifier.Builder}'s settings, checked when a setting is set. Each returns the
 * value it accepts and otherwise throws a message that quotes the setting and the bad value.
 */
final class SettingChecks {

    private SettingChecks() {}

    static String notBlank(String setting, String value) {
        Objects.requireNonNull(value, () -> "'" + setting + "' must not be null");
        if (value.isBlank()) {
            throw new IllegalArgumentException("'" + setting + "' must not be blank");
        }
        return value;
    }

    /** A string of at most {@code limit} UTF-8 bytes, as PostgreSQL's identifiers and names are. */
    static String atMostBytes(String setting, String value, int limit) {
        Objects.requireNonNull(value, () -> "'" + setting + "' must not be null");
        int bytes = NotifyLimits.utf8Length(value);
        if (bytes > limit) {
            throw new IllegalArgumentException("'" + setting + "' is " + bytes + " bytes; the limit is " + limit);
        }
        return value;
    }

    static Duration positive(String setting, Duration value) {
        Objects.requireNonNull(value, () -> "'" + setting + "' must not be null");
        if (value.isZero() || value.isNegative()) {
            throw new IllegalArgumentException("'" + setting + "' must be positive, got " + value);
        }
        return value;
    }

    static Duration notNegative(String setting, Duration value) {
        Objects.requireNonNull(value, () -> "'" + setting + "' must not be null");
        if (value.isNegative()) {
            throw new IllegalArgumentException("'" + setting + "' must not be negative, got " + value);
        }
        return value;
    }

    /** A count where 0 means no limit. */
    static int unlimitedOrMore(String setting, int value) {
        if (value < 0) {
            throw new IllegalArgumentException("'" + setting + "' must be 0 (unlimited) or more, got " + value);
        }
        return value;
    }

    static int atLeastOne(String setting, int value) {
        if (value < 1) {
            throw new IllegalArgumentException("'" + setting + "' must be at least 1, got " + value);
        }
        return value;
    }

    /** A finite factor of at least 1.0. */
    static double factor(String setting, double value) {
        if (!(value >= 1.0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException("'" + setting + "' must be at least 1.0, got " + value);
        }
        return value;
    }

    /** A fraction from 0.0 to 1.0. */
    static double fraction(String setting, double value) {
        if (!(value >= 0.0 && value <= 1.0)) {
            throw new IllegalArgumentException("'" + setting + "' must be between 0.0 and 1.0, got " + value);
        }
        return value;
    }

    /** Two settings in order: {@code setting} must not be less than {@code other}. */
    static void notLess(String setting, Duration value, String other, Duration otherValue) {
        if (value.compareTo(otherValue) < 0) {
            throw new IllegalArgumentException(
                    "'" + setting + "' (" + value + ") must not be less than '" + other + "' (" + otherValue + ")");
        }
    }
}
