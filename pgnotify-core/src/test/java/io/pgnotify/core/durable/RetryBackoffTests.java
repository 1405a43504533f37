package io.pgnotify.core.durable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetryBackoffTests {

    private final RetryBackoff backoff = new RetryBackoff(Duration.ofMillis(100), 2.0, Duration.ofMillis(500));

    @Test
    void theDelayGrowsByTheMultiplierPerFailureUpToTheMaximum() {
        assertThat(backoff.delay(1)).isEqualTo(Duration.ofMillis(100));
        assertThat(backoff.delay(2)).isEqualTo(Duration.ofMillis(200));
        assertThat(backoff.delay(3)).isEqualTo(Duration.ofMillis(400));
        assertThat(backoff.delay(4)).isEqualTo(Duration.ofMillis(500));
        assertThat(backoff.delay(1000)).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void invalidSettingsAreRejectedNamingTheValue() {
        assertThatThrownBy(() -> new RetryBackoff(Duration.ofSeconds(2), 2.0, Duration.ofSeconds(1)))
                .hasMessageContaining("initial PT2S, max PT1S");
        assertThatThrownBy(() -> new RetryBackoff(Duration.ofSeconds(1), 0.5, Duration.ofSeconds(1)))
                .hasMessageContaining("at least 1, got 0.5");
    }
}
