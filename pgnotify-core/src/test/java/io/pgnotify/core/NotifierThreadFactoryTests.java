package io.pgnotify.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgnotify.core.Notifiers.Recorder;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class NotifierThreadFactoryTests {

    @Test
    void handlersRunOnThreadsOfTheGivenFactory() throws Exception {
        Set<Thread> made = ConcurrentHashMap.newKeySet();
        AtomicInteger count = new AtomicInteger();
        ThreadFactory factory = runnable -> {
            Thread thread = new Thread(runnable, "app-handler-" + count.incrementAndGet());
            thread.setDaemon(true);
            made.add(thread);
            return thread;
        };
        List<Thread> ranOn = new CopyOnWriteArrayList<>();
        Notifier notifier = Notifiers.started(b -> b.name("factory").threadFactory(factory));
        try {
            notifier.subscribe("factory.a", n -> ranOn.add(Thread.currentThread()));
            notifier.publish("factory.a", "1");
            notifier.publish("factory.a", "2");
            await().atMost(Duration.ofSeconds(10)).until(() -> ranOn.size() == 2);
            assertThat(made).containsAll(ranOn);
        } finally {
            notifier.close();
        }
    }

    /**
     * Under BLOCK with a full buffer the listener thread waits for this very handler; a subscribe from it must not
     * wait for the LISTEN, whatever the handler thread is called.
     */
    @Test
    void subscribeFromAHandlerOnAnUnnamedThreadDoesNotWaitOnItself() throws Exception {
        ThreadFactory anonymous = runnable -> {
            Thread thread = new Thread(runnable, "plain-worker");
            thread.setDaemon(true);
            return thread;
        };
        CountDownLatch subscribed = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        Recorder second = new Recorder();
        Notifier notifier = Notifiers.started(b -> b.name("self-wait")
                .threadFactory(anonymous)
                .bufferSize(1)
                .overflowPolicy(OverflowPolicy.BLOCK)
                .pingTimeout(Duration.ofSeconds(30))
                .callbackTimeout(Duration.ofSeconds(60)));
        try {
            notifier.subscribe("self-wait.a", n -> {
                if (calls.incrementAndGet() == 1) {
                    // let the listener fill the buffer and block on the rest
                    await().atMost(Duration.ofSeconds(10))
                            .until(() -> notifier.status().buffered() == 1);
                    notifier.subscribe("self-wait.b", second);
                    subscribed.countDown();
                }
            });
            notifier.publishAll("self-wait.a", List.of("1", "2", "3", "4"));

            assertThat(subscribed.await(10, TimeUnit.SECONDS))
                    .as("subscribe from the handler returned")
                    .isTrue();
            await().atMost(Duration.ofSeconds(10)).until(() -> calls.get() == 4);
        } finally {
            notifier.close();
        }
    }
}
