package io.pgnotify.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class NotifierSelfShutdownTests {

    @Test
    void aHandlerThatShutsTheNotifierDownDoesNotWaitOnItself() throws Exception {
        CountDownLatch returned = new CountDownLatch(1);
        AtomicLong tookMillis = new AtomicLong();
        Notifier notifier = Notifiers.started(b -> b.name("self-stop").shutdownTimeout(Duration.ofSeconds(30)));
        notifier.subscribe("self-stop.a", n -> {
            long start = System.nanoTime();
            notifier.close();
            tookMillis.set(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            returned.countDown();
        });
        notifier.publish("self-stop.a", "stop");

        assertThat(returned.await(15, TimeUnit.SECONDS))
                .as("close() from the handler returned")
                .isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> notifier.state() == NotifierState.STOPPED);
        assertThat(tookMillis.get()).isLessThan(15_000);
    }
}
