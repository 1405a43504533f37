package io.pgnotify.sample.locks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgnotify.sample.SampleAppTest;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

@SampleAppTest
class LockCoordinatorTests {

    @Autowired
    LockCoordinator locks;

    @Test
    void aWaiterProceedsAsSoonAsTheHolderReleasesTheLock() {
        assertThat(locks.tryAcquire("nightly-report", "another-instance")).isTrue();

        CompletableFuture<String> work = locks.whenAvailable("nightly-report", () -> "report written");
        assertThat(work).isNotDone();

        assertThat(locks.release("nightly-report", "another-instance")).isTrue();

        assertThat(work).succeedsWithin(Duration.ofSeconds(10)).isEqualTo("report written");
        await().atMost(Duration.ofSeconds(10)).until(() -> locks.holder("nightly-report") == null);
    }

    @Test
    void aFreeLockIsTakenAtOnce() {
        CompletableFuture<String> work = locks.whenAvailable("free-lock", () -> "done");

        assertThat(work).isCompletedWithValue("done");
        assertThat(locks.holder("free-lock")).isNull();
    }
}
