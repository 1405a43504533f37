package io.pgnotify.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgnotify.core.Notifiers.Recorder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Leader/followers: with the notifier's own threads, the worker that reads a notification for an idle subscription
 * runs its handler itself while another worker takes over reading; the handler never waits for a thread to wake.
 */
class NotifierLeaderFollowersTests {

    private Notifier notifier;

    @AfterEach
    void stop() {
        if (notifier != null) {
            notifier.shutdown(Duration.ofSeconds(10));
        }
    }

    /** Records which thread read each notification (onNotification runs on the reading thread). */
    private static final class ReadingThreads implements NotifierListener {
        final Map<String, Thread> readBy = new ConcurrentHashMap<>();
        final AtomicInteger read = new AtomicInteger();

        @Override
        public void onNotification(Notification notification) {
            readBy.put(notification.payload(), Thread.currentThread());
            read.incrementAndGet();
        }
    }

    @Test
    void aNotificationForAnIdleSubscriptionIsHandledOnTheThreadThatReadIt() throws Exception {
        ReadingThreads reading = new ReadingThreads();
        notifier = Notifiers.started(b -> b.name("lf-same").listener(reading));
        Map<String, Thread> handledBy = new ConcurrentHashMap<>();
        notifier.subscribe("lf.same", n -> handledBy.put(n.payload(), Thread.currentThread()));

        for (int i = 1; i <= 20; i++) {
            String payload = Integer.toString(i);
            notifier.publish("lf.same", payload);
            await().atMost(Duration.ofSeconds(5)).until(() -> handledBy.containsKey(payload));
        }

        assertThat(handledBy).hasSize(20);
        handledBy.forEach((payload, thread) ->
                assertThat(thread).as("notification %s", payload).isSameAs(reading.readBy.get(payload)));
        assertThat(handledBy.get("1").getName()).startsWith("pgnotify-lf-same-worker-");
    }

    @Test
    void withAThreadFactoryTheListenerThreadReadsAndHandsEveryNotificationOver() throws Exception {
        ThreadFactory factory = runnable -> {
            Thread thread = new Thread(runnable, "app-handler");
            thread.setDaemon(true);
            return thread;
        };
        ReadingThreads reading = new ReadingThreads();
        notifier = Notifiers.started(
                b -> b.name("lf-factory").threadFactory(factory).listener(reading));
        Map<String, Thread> handledBy = new ConcurrentHashMap<>();
        notifier.subscribe("lf.factory", n -> handledBy.put(n.payload(), Thread.currentThread()));

        notifier.publish("lf.factory", "1");

        await().atMost(Duration.ofSeconds(5)).until(() -> handledBy.containsKey("1"));
        assertThat(reading.readBy.get("1").getName()).isEqualTo("pgnotify-lf-factory-listener");
        assertThat(handledBy.get("1").getName()).isEqualTo("app-handler");
    }

    @Test
    void readingGoesOnWhileTheThreadThatReadRunsAHandlerThatDoesNotReturn() throws Exception {
        notifier = Notifiers.started(b -> b.name("lf-blocked"));
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch entered = new CountDownLatch(1);
        notifier.subscribe("lf.blocked", n -> {
            entered.countDown();
            release.await(30, TimeUnit.SECONDS);
        });
        Recorder flowing = new Recorder();
        notifier.subscribe("lf.flowing", flowing);

        notifier.publish("lf.blocked", "x");
        assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();
        List<String> sent =
                IntStream.rangeClosed(1, 200).mapToObj(Integer::toString).toList();
        notifier.publishAll("lf.flowing", sent);

        await().atMost(Duration.ofSeconds(10)).until(() -> flowing.received.size() == 200);
        assertThat(flowing.payloads()).containsExactlyElementsOf(sent);
        release.countDown();
    }

    @Test
    void withEveryWorkerBusyReadingGoesOnAndNoThreadBeyondMaxWorkersIsStarted() throws Exception {
        ReadingThreads reading = new ReadingThreads();
        notifier = Notifiers.started(b -> b.name("lf-bound").maxWorkers(2).listener(reading));
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch entered = new CountDownLatch(2);
        NotificationHandler hog = n -> {
            entered.countDown();
            release.await(30, TimeUnit.SECONDS);
        };
        notifier.subscribe("lf.hog1", hog);
        notifier.subscribe("lf.hog2", hog);
        Recorder waiting = new Recorder();
        notifier.subscribe("lf.waiting", waiting);

        notifier.publish("lf.hog1", "h1");
        notifier.publish("lf.hog2", "h2");
        assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();
        List<String> sent =
                IntStream.rangeClosed(1, 100).mapToObj(Integer::toString).toList();
        notifier.publishAll("lf.waiting", sent);

        // All 100 are read while both workers are taken, and none runs: a third handler thread would break maxWorkers.
        await().atMost(Duration.ofSeconds(10)).until(() -> reading.read.get() == 102);
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> waiting.received.isEmpty());
        assertThat(workerThreads("lf-bound")).isLessThanOrEqualTo(3); // two running handlers, one reading
        release.countDown();

        await().atMost(Duration.ofSeconds(10)).until(() -> waiting.received.size() == 100);
        assertThat(waiting.payloads()).containsExactlyElementsOf(sent);
        assertThat(workerThreads("lf-bound")).isLessThanOrEqualTo(3);
    }

    @Test
    void underBlockAFullBufferDoesNotWaitForTheSubscriptionTheReaderKept() throws Exception {
        // The first notification's subscription is kept by the reading thread; the rest of the batch fills the buffer,
        // so the reader waits for room: the kept subscription must run meanwhile, or nothing ever frees the buffer.
        notifier = Notifiers.started(b -> b.name("lf-block").bufferSize(4).overflowPolicy(OverflowPolicy.BLOCK));
        Recorder recorder = new Recorder();
        notifier.subscribe("lf.block", recorder);
        List<String> sent =
                IntStream.rangeClosed(1, 500).mapToObj(Integer::toString).toList();

        notifier.publishAll("lf.block", sent);

        await().atMost(Duration.ofSeconds(20)).until(() -> recorder.received.size() == 500);
        assertThat(recorder.payloads()).containsExactlyElementsOf(sent);
    }

    private static long workerThreads(String name) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("pgnotify-" + name + "-worker-"))
                .count();
    }
}
