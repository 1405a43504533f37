package io.pgnotify.core;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Bad settings are refused when set, with a message that quotes the setting and the value; nothing connects. */
class NotifierBuilderTests {

    private final Notifier.Builder builder =
            Notifier.builder(ConnectionProvider.of("jdbc:postgresql://localhost/none", null, null));

    @Test
    void durationsThatMustBePositiveRefuseZeroAndNull() {
        assertThatThrownBy(() -> builder.pingInterval(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("'pingInterval' must be positive, got PT0S");
        assertThatThrownBy(() -> builder.maxLifetime(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("'maxLifetime' must not be null");
        assertThatThrownBy(() -> builder.shutdownTimeout(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("'shutdownTimeout' must not be negative, got PT-1S");
    }

    @Test
    void countsAndFractionsOutsideTheirRangeAreRefused() {
        assertThatThrownBy(() -> builder.maxReconnectAttempts(-1))
                .hasMessage("'maxReconnectAttempts' must be 0 (unlimited) or more, got -1");
        assertThatThrownBy(() -> builder.bufferSize(0)).hasMessage("'bufferSize' must be at least 1, got 0");
        assertThatThrownBy(() -> builder.reconnectBackoffMultiplier(Double.POSITIVE_INFINITY))
                .hasMessage("'reconnectBackoffMultiplier' must be at least 1.0, got Infinity");
        assertThatThrownBy(() -> builder.reconnectJitter(Double.NaN))
                .hasMessage("'reconnectJitter' must be between 0.0 and 1.0, got NaN");
    }

    @Test
    void namesMustBeNonBlankAndFitPostgresqlsLimit() {
        assertThatThrownBy(() -> builder.name(" ")).hasMessage("'name' must not be blank");
        assertThatThrownBy(() -> builder.applicationName("é".repeat(32)))
                .hasMessage("'applicationName' is 64 bytes; the limit is 63");
    }

    @Test
    void aMaximumReconnectIntervalBelowTheFirstIsRefusedAtBuild() {
        builder.reconnectInterval(Duration.ofSeconds(5)).maxReconnectInterval(Duration.ofSeconds(2));

        assertThatThrownBy(builder::build)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("'maxReconnectInterval' (PT2S) must not be less than 'reconnectInterval' (PT5S)");
    }
}
