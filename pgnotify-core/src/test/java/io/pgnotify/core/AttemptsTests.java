package io.pgnotify.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class AttemptsTests {

    private static final long SECOND = Duration.ofSeconds(1).toNanos();

    // No jitter, so that every delay is exact: 1 s, 2 s, 4 s, …
    private final Attempts attempts = new Attempts(
            new ReconnectPolicy(Duration.ofSeconds(1), Duration.ofSeconds(30), 2.0, 0), 3, Duration.ofSeconds(10));

    @Test
    void failedAttemptsBackOffByThePolicyAndGiveUpAtTheLimit() {
        assertThat(attempts.backoff()).isNull();
        for (int failed = 1; failed <= 3; failed++) {
            assertThat(attempts.exhausted()).isFalse();
            attempts.opening();
            assertThat(attempts.lost(failed * SECOND)).isFalse();
            assertThat(attempts.failures()).isEqualTo(failed);
        }
        assertThat(attempts.backoff()).isEqualTo(Duration.ofSeconds(4));
        assertThat(attempts.exhausted()).isTrue();
        assertThat(attempts.everVerified()).isFalse();
    }

    @Test
    void aSessionLostAfterItListenedOpensAGapThatTheNextVerifiedOneCloses() {
        verifiedSession(0);
        attempts.listened();
        assertThat(attempts.lost(5 * SECOND)).isTrue();
        attempts.opening();
        attempts.lost(6 * SECOND);
        attempts.opening();
        attempts.listened();

        assertThat(attempts.verified(8 * SECOND)).isEqualTo(new Attempts.Gap(2, Duration.ofSeconds(3)));
        assertThat(attempts.failures()).isZero();
        assertThat(attempts.verified(9 * SECOND)).isNull();
    }

    @Test
    void anAttemptLostBeforeItListenedOpensNoGap() {
        attempts.opening();
        attempts.lost(SECOND);
        attempts.opening();
        attempts.listened();

        assertThat(attempts.verified(2 * SECOND)).isNull();
    }

    @Test
    void sessionsLostBeforeAHealthyPingIntervalBackOffFromTheSecondOn() {
        verifiedSession(0);
        attempts.lost(SECOND);
        assertThat(attempts.backoff()).isNull();
        verifiedSession(2 * SECOND);
        attempts.lost(3 * SECOND);
        assertThat(attempts.backoff()).isEqualTo(Duration.ofSeconds(1));

        verifiedSession(4 * SECOND);
        attempts.probeReturned(14 * SECOND);
        attempts.lost(15 * SECOND);
        assertThat(attempts.backoff()).isNull();
    }

    @Test
    void aRestartAfterAStopWhileListeningAnnouncesTheTimeSinceTheStop() {
        attempts.restart(2 * SECOND);
        attempts.opening();
        attempts.listened();

        assertThat(attempts.verified(7 * SECOND)).isEqualTo(new Attempts.Gap(1, Duration.ofSeconds(5)));
    }

    private void verifiedSession(long nowNanos) {
        attempts.opening();
        attempts.listened();
        attempts.verified(nowNanos);
    }
}
