package io.pgnotify.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgnotify.core.Notifiers.Recorder;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

class NotifierHookThreadTests {

    @Test
    void aSlowHookThatEndsInAnErrorNeitherStopsReadingNorCountsAsALostConnection() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger connects = new AtomicInteger();
        AtomicInteger disconnects = new AtomicInteger();
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        NotifierListener hooks = new NotifierListener() {
            @Override
            public void onConnect() {
                if (connects.incrementAndGet() == 1) {
                    try {
                        release.await(20, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    throw new AssertionError("resynchronisation failed");
                }
            }

            @Override
            public void onDisconnect(Throwable cause) {
                disconnects.incrementAndGet();
            }

            @Override
            public void onError(Throwable error, @Nullable String channel) {
                errors.add(error);
            }
        };
        Recorder recorder = new Recorder();
        try (Notifier notifier = Notifier.builder(Notifiers.provider())
                .name("hooks")
                .pingInterval(Duration.ofMillis(300))
                .listener(hooks)
                .build()) {
            notifier.subscribe("hooks.a", recorder);
            notifier.start();
            Notifiers.awaitListening(notifier);

            // onConnect is still running: notifications are read and handled meanwhile
            notifier.publish("hooks.a", "1");
            await().atMost(Duration.ofSeconds(10)).until(() -> recorder.received.size() == 1);

            release.countDown();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> errors.stream()
                            .anyMatch(e -> e instanceof AssertionError || e.getCause() instanceof AssertionError));
            notifier.publish("hooks.a", "2");
            await().atMost(Duration.ofSeconds(10)).until(() -> recorder.received.size() == 2);
            await().atMost(Duration.ofSeconds(10)).until(() -> notifier.status().lastPingAt() != null);
            assertThat(disconnects).hasValue(0);
            assertThat(connects).hasValue(1);
            assertThat(notifier.status().reconnects()).isZero();
            assertThat(notifier.state()).isEqualTo(NotifierState.LISTENING);
        }
    }
}
