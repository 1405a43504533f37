package io.pgnotify.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgnotify.core.Notifiers.Events;
import io.pgnotify.core.Notifiers.Recorder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class NotifierDispatchTests {

    private Notifier notifier;

    @AfterEach
    void stop() {
        if (notifier != null) {
            notifier.shutdown(Duration.ofSeconds(10));
        }
    }

    @Test
    void handlersRunOnWorkerThreadsNeverOnTheListenerThread() throws Exception {
        notifier = Notifiers.started(b -> b.name("threads"));
        List<String> threads = new ArrayList<>();
        notifier.subscribe("where", n -> threads.add(Thread.currentThread().getName()));

        notifier.publish("where", "x");

        await().atMost(Duration.ofSeconds(5)).until(() -> threads.size() == 1);
        assertThat(threads.get(0)).startsWith("pgnotify-threads-worker-");
    }

    @Test
    void anIdleWorkerIsReusedRatherThanANewThreadStarted() throws Exception {
        notifier = Notifiers.started(b -> b.name("reuse"));
        java.util.Set<String> threads = java.util.concurrent.ConcurrentHashMap.newKeySet();
        AtomicInteger handled = new AtomicInteger();
        notifier.subscribe("one-by-one", n -> {
            threads.add(Thread.currentThread().getName());
            handled.incrementAndGet();
        });

        for (int i = 1; i <= 20; i++) {
            notifier.publish("one-by-one", Integer.toString(i));
            int expected = i;
            await().atMost(Duration.ofSeconds(5)).until(() -> handled.get() == expected);
        }

        // A pool that started a thread per notification would show up to 20. Here three roles are taken at most at
        // once: reading, running the handler, and watching (while the lane runs on workers, as after a first call
        // slower than a short one, the watcher holds a thread of its own); a hand-off made just before the last
        // runner is back in the pool may start one more.
        assertThat(threads).hasSizeLessThanOrEqualTo(4);
    }

    @Test
    void lanesBeyondMaxWorkersWaitForAFreeWorkerAndLoseNothing() throws Exception {
        notifier = Notifiers.started(b -> b.name("saturated").maxWorkers(1));
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch entered = new CountDownLatch(1);
        notifier.subscribe("hog", n -> {
            entered.countDown();
            release.await(20, TimeUnit.SECONDS);
        });
        Recorder waiting = new Recorder();
        notifier.subscribe("waiting", waiting);

        notifier.publish("hog", "x");
        assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();
        notifier.publishAll("waiting", List.of("1", "2", "3"));
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> waiting.received.isEmpty());
        release.countDown();

        await().atMost(Duration.ofSeconds(5)).until(() -> waiting.received.size() == 3);
        assertThat(waiting.payloads()).containsExactly("1", "2", "3");
    }

    @Test
    void aSlowHandlerOnOneChannelDoesNotHoldUpAnother() throws Exception {
        notifier = Notifiers.started(b -> b.name("lanes"));
        CountDownLatch release = new CountDownLatch(1);
        notifier.subscribe("slow", n -> release.await(20, TimeUnit.SECONDS));
        Recorder fast = new Recorder();
        notifier.subscribe("fast", fast);

        notifier.publish("slow", "blocks");
        notifier.publishAll("fast", List.of("1", "2", "3"));

        await().atMost(Duration.ofSeconds(5)).until(() -> fast.received.size() == 3);
        release.countDown();
    }

    @Test
    void aChannelsNotificationsAreHandledOneAtATimeInOrder() throws Exception {
        notifier = Notifiers.started(b -> b.name("order").bufferSize(1000));
        AtomicInteger concurrent = new AtomicInteger();
        AtomicBoolean overlapped = new AtomicBoolean();
        List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        notifier.subscribe("ordered", n -> {
            if (concurrent.incrementAndGet() > 1) {
                overlapped.set(true);
            }
            seen.add(n.payload());
            concurrent.decrementAndGet();
        });
        List<String> payloads =
                IntStream.range(0, 2000).mapToObj(Integer::toString).toList();

        notifier.publishAll("ordered", payloads);

        await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() == 2000);
        assertThat(seen).isEqualTo(payloads);
        assertThat(overlapped).isFalse();
    }

    @Test
    void aHandlersExceptionIsReportedAndIsolated() throws Exception {
        Events events = new Events();
        notifier = Notifiers.started(b -> b.name("errors").listener(events));
        Recorder neighbour = new Recorder();
        notifier.subscribe("faulty", n -> {
            if (n.payload().equals("boom")) {
                throw new IllegalStateException("handler failed on purpose");
            }
        });
        notifier.subscribe("faulty", neighbour);

        notifier.publishAll("faulty", List.of("boom", "after"));

        await().atMost(Duration.ofSeconds(5)).until(() -> neighbour.received.size() == 2);
        assertThat(events.errors)
                .singleElement()
                .satisfies(e -> assertThat(e)
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessage("handler failed on purpose"));
        assertThat(events.log).contains("error:faulty");
    }

    @Test
    void aHandlerPastTheCallbackTimeoutIsReportedInterruptedAndNoLongerHoldsItsChannel() throws Exception {
        Events events = new Events();
        notifier = Notifiers.started(
                b -> b.name("timeout").callbackTimeout(Duration.ofMillis(300)).listener(events));
        CountDownLatch interrupted = new CountDownLatch(1);
        Recorder recorder = new Recorder();
        notifier.subscribe("hangs", n -> {
            if (n.payload().equals("hang")) {
                try {
                    new CountDownLatch(1).await(60, TimeUnit.SECONDS); // a handler stuck in a blocking call
                } catch (InterruptedException e) {
                    interrupted.countDown();
                }
            }
        });
        notifier.subscribe("hangs", recorder);

        notifier.publishAll("hangs", List.of("hang", "next"));

        await().atMost(Duration.ofSeconds(5)).until(() -> recorder.payloads().contains("next"));
        assertThat(interrupted.await(5, TimeUnit.SECONDS)).isTrue();
        await().atMost(Duration.ofSeconds(5)).until(() -> !events.errors.isEmpty());
        assertThat(events.errors)
                .singleElement()
                .satisfies(e -> assertThat(e)
                        .isInstanceOf(HandlerTimeoutException.class)
                        .hasMessageContaining("'hangs'")
                        .hasMessageContaining("PT0.3S"));
    }

    @Test
    void aHandlerThatIgnoresInterruptionStillReleasesItsChannel() throws Exception {
        Events events = new Events();
        notifier = Notifiers.started(
                b -> b.name("stubborn").callbackTimeout(Duration.ofMillis(200)).listener(events));
        CountDownLatch release = new CountDownLatch(1);
        Recorder recorder = new Recorder();
        notifier.subscribe("stubborn", n -> {
            if (n.payload().equals("stuck")) {
                while (release.getCount() > 0) {
                    try {
                        release.await();
                    } catch (InterruptedException ignored) {
                        // deliberately ignored
                    }
                }
            }
        });
        notifier.subscribe("stubborn", recorder);

        notifier.publishAll("stubborn", List.of("stuck", "a", "b"));

        await().atMost(Duration.ofSeconds(5)).until(() -> recorder.payloads().containsAll(List.of("a", "b")));
        release.countDown();
    }

    @Test
    void underBlockASlowConsumerLosesNothing() throws Exception {
        notifier = Notifiers.started(b -> b.name("block").bufferSize(16).overflowPolicy(OverflowPolicy.BLOCK));
        int count = 50_000;
        List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        notifier.subscribe("firehose", n -> {
            seen.add(n.payload());
            if (seen.size() % 1000 == 0) {
                TimeUnit.MILLISECONDS.sleep(20); // simulated work: slower than the publisher
            }
        });
        List<String> payloads =
                IntStream.range(0, count).mapToObj(Integer::toString).toList();

        for (int from = 0; from < count; from += 5000) {
            notifier.publishAll("firehose", payloads.subList(from, from + 5000));
        }

        await().atMost(Duration.ofSeconds(60)).until(() -> seen.size() == count);
        assertThat(seen).isEqualTo(payloads);
    }

    @Test
    void dropNewestDropsExactlyWhatItReports() throws Exception {
        assertDropsAreExact(OverflowPolicy.DROP_NEWEST);
    }

    @Test
    void dropOldestDropsExactlyWhatItReports() throws Exception {
        assertDropsAreExact(OverflowPolicy.DROP_OLDEST);
    }

    /**
     * One handler blocks while 500 more arrive into a buffer of 10; the channel's other handler is not held up (a lane
     * per subscription) but the notifications its blocked neighbour still waits for hold their places in the buffer.
     */
    private void assertDropsAreExact(OverflowPolicy policy) throws Exception {
        Events events = new Events();
        notifier = Notifiers.started(
                b -> b.name("drop").bufferSize(10).overflowPolicy(policy).listener(events));
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch gate = new CountDownLatch(1);
        Recorder blocked = new Recorder();
        notifier.subscribe("overflow", n -> {
            blocked.handle(n);
            if (n.payload().equals("first")) {
                entered.countDown();
                gate.await(20, TimeUnit.SECONDS);
            }
        });
        Recorder recorder = new Recorder();
        notifier.subscribe("overflow", recorder);
        List<String> payloads =
                IntStream.range(0, 500).mapToObj(Integer::toString).toList();

        notifier.publish("overflow", "first");
        assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();
        notifier.publishAll("overflow", payloads);
        await().atMost(Duration.ofSeconds(10)).until(() -> events.dropped.size() == 490);
        gate.countDown();

        await().atMost(Duration.ofSeconds(10)).until(() -> blocked.received.size() == 11);
        List<String> dropped =
                events.dropped.stream().map(Notification::payload).toList();
        List<String> kept = blocked.payloads().subList(1, 11);
        assertThat(blocked.payloads().get(0)).isEqualTo("first");
        assertThat(kept).doesNotContainAnyElementsOf(dropped);
        if (policy == OverflowPolicy.DROP_NEWEST) {
            assertThat(kept).isEqualTo(payloads.subList(0, 10));
            assertThat(dropped).isEqualTo(payloads.subList(10, 500));
            // a dropped notification reached no handler
            await().atMost(Duration.ofSeconds(5)).until(() -> recorder.received.size() == 11);
            assertThat(recorder.payloads().subList(1, 11)).isEqualTo(kept);
        } else {
            assertThat(kept).isEqualTo(payloads.subList(490, 500));
            assertThat(dropped).isEqualTo(payloads.subList(0, 490));
            // the other handler got, in order, what it took before each drop, and everything kept
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> recorder.payloads().contains("499"));
            List<String> seen = recorder.payloads().subList(1, recorder.received.size());
            assertThat(seen).endsWith(kept.toArray(String[]::new));
            assertThat(seen).isEqualTo(payloads.stream().filter(seen::contains).toList());
        }
    }
}
