package io.pgnotify.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ReconnectPolicyTests {

    private final ReconnectPolicy policy = new ReconnectPolicy(Duration.ofSeconds(1), Duration.ofSeconds(30), 2.0, 0.2);

    @Test
    void delaysGrowByTheMultiplierUpToTheCap() {
        assertThat(policy.baseNanos(1)).isEqualTo(Duration.ofSeconds(1).toNanos());
        assertThat(policy.baseNanos(2)).isEqualTo(Duration.ofSeconds(2).toNanos());
        assertThat(policy.baseNanos(5)).isEqualTo(Duration.ofSeconds(16).toNanos());
        assertThat(policy.baseNanos(6)).isEqualTo(Duration.ofSeconds(30).toNanos());
        assertThat(policy.baseNanos(1000)).isEqualTo(Duration.ofSeconds(30).toNanos());
    }

    @Test
    void jitterSpreadsEachDelayByAtMostItsFraction() {
        long base = Duration.ofSeconds(10).toNanos();
        assertThat(policy.withJitter(base, 0.0)).isEqualTo(Duration.ofSeconds(8).toNanos());
        assertThat(policy.withJitter(base, 0.5)).isEqualTo(base);
        assertThat(policy.withJitter(base, 0.999999))
                .isLessThan(Duration.ofSeconds(12).toNanos());
        for (int i = 0; i < 1000; i++) {
            assertThat(policy.nextDelay(3)).isBetween(Duration.ofMillis(3200), Duration.ofMillis(4800));
        }
    }
}
