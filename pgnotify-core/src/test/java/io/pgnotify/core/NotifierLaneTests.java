package io.pgnotify.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgnotify.core.Notifiers.Events;
import io.pgnotify.core.Notifiers.Recorder;
import java.lang.reflect.Field;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.IntStream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** One lane per subscription: independence, no self-concurrency, stuck handlers, lane removal, hooks off the lock. */
class NotifierLaneTests {

    private Notifier notifier;

    @AfterEach
    void stop() {
        if (notifier != null) {
            notifier.shutdown(Duration.ofSeconds(10));
        }
    }

    @Test
    void twoHandlersOnAChannelEachGetEveryNotificationInOrderDespiteAnUninterruptibleOverrun() throws Exception {
        Events events = new Events();
        notifier = Notifiers.started(
                b -> b.name("overrun").callbackTimeout(Duration.ofMillis(300)).listener(events));
        AtomicInteger running = new AtomicInteger();
        AtomicBoolean overlapped = new AtomicBoolean();
        List<Integer> slow = new CopyOnWriteArrayList<>();
        List<Integer> other = new CopyOnWriteArrayList<>();
        notifier.subscribe("overrun", n -> {
            if (running.incrementAndGet() > 1) {
                overlapped.set(true);
            }
            int sequence = Integer.parseInt(n.payload());
            if (sequence == 1 || sequence == 5) {
                busyIgnoringInterrupts(Duration.ofMillis(450)); // past the timeout, short of the stuck budget
            }
            slow.add(sequence);
            running.decrementAndGet();
        });
        notifier.subscribe("overrun", n -> other.add(Integer.parseInt(n.payload())));
        List<Integer> expected = IntStream.rangeClosed(1, 20).boxed().toList();

        for (int sequence : expected) {
            notifier.publish("overrun", Integer.toString(sequence));
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> slow.size() >= 20 && other.size() >= 20);
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> slow.size() == 20);
        assertThat(slow).isEqualTo(expected);
        assertThat(other).isEqualTo(expected);
        assertThat(overlapped).isFalse();
        assertThat(events.errors).hasSize(2).allSatisfy(e -> assertThat(e).isInstanceOf(HandlerTimeoutException.class));
    }

    @Test
    void aStuckHandlerTakesOneThreadAndIsQuarantinedWhileOtherChannelsKeepFlowing() throws Exception {
        Events events = new Events();
        notifier = Notifiers.started(b -> b.name("stuck")
                .callbackTimeout(Duration.ofMillis(200))
                .maxWorkers(2)
                .listener(events));
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger running = new AtomicInteger();
        AtomicInteger mostAtOnce = new AtomicInteger();
        Recorder stuckRecorder = new Recorder();
        notifier.subscribe("stuck", n -> {
            mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
            stuckRecorder.handle(n);
            if (n.payload().equals("1")) {
                while (release.getCount() > 0) { // uninterruptible work: the interrupt is cleared and ignored
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
                    Thread.interrupted();
                }
            }
            running.decrementAndGet();
        });
        Recorder flowing = new Recorder();
        notifier.subscribe("flowing", flowing);

        for (int i = 1; i <= 10; i++) {
            notifier.publish("stuck", Integer.toString(i));
        }
        await().atMost(Duration.ofSeconds(5))
                .until(() -> events.errors.stream().anyMatch(e -> e instanceof SubscriptionQuarantinedException));
        for (int round = 0; round < 5; round++) {
            // Several callback timeouts pass: a stuck lane takes no further thread, the other channel flows.
            notifier.publishAll(
                    "flowing", IntStream.range(0, 20).mapToObj(i -> "f" + i).toList());
            notifier.publish("stuck", "late" + round);
            int expected = 20 * (round + 1);
            await().atMost(Duration.ofSeconds(5)).until(() -> flowing.received.size() == expected);
            TimeUnit.MILLISECONDS.sleep(200); // lets a callback timeout pass between rounds; not a synchronisation
        }

        NotifierStatus status = notifier.status();
        assertThat(status.stuckHandlers()).isEqualTo(1);
        assertThat(status.quarantined()).containsEntry("stuck", 1);
        assertThat(status.healthy()).isTrue();
        assertThat(stuckRecorder.payloads()).containsExactly("1");
        // 2..10 waiting when it was quarantined, and the 5 sent while quarantined: each dropped and announced
        assertThat(events.dropped).hasSize(14);
        assertThat(events.dropped).allSatisfy(n -> assertThat(n.channel()).isEqualTo("stuck"));

        release.countDown();
        await().atMost(Duration.ofSeconds(5))
                .until(() -> notifier.status().stuckHandlers() == 0
                        && notifier.status().quarantined().isEmpty());
        notifier.publish("stuck", "after");
        await().atMost(Duration.ofSeconds(5))
                .until(() -> stuckRecorder.payloads().contains("after"));
        assertThat(mostAtOnce).hasValue(1);
    }

    @Test
    void unsubscribingRemovesTheLaneSoPerJobChannelsDoNotLeak() throws Exception {
        notifier = Notifiers.started(b -> b.name("jobs"));
        Recorder permanent = new Recorder();
        notifier.subscribe("jobs.all", permanent);
        for (int job = 0; job < 200; job++) {
            Recorder recorder = new Recorder();
            Subscription first = notifier.subscribe("job." + job, recorder);
            Subscription second = notifier.subscribe("job." + job, recorder);
            notifier.publish("job." + job, "done");
            notifier.publish("jobs.all", Integer.toString(job));
            await().atMost(Duration.ofSeconds(5)).until(() -> recorder.received.size() == 2);
            first.unsubscribe();
            second.unsubscribe();
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> permanent.received.size() == 200);

        await().atMost(Duration.ofSeconds(5)).until(() -> lanes(notifier) == 1);
    }

    @Test
    void hooksCalledByTheWatchdogAreNotCalledUnderTheDispatchersLock() throws Exception {
        List<String> fromHook = new CopyOnWriteArrayList<>();
        AtomicBoolean once = new AtomicBoolean();
        Notifier[] self = new Notifier[1];
        NotifierListener hooks = new NotifierListener() {
            @Override
            public void onError(Throwable error, @Nullable String channel) {
                if (!(error instanceof HandlerTimeoutException) || !once.compareAndSet(false, true)) {
                    return;
                }
                // Another thread calls back into the notifier while this hook runs; the hook waits for it.
                try {
                    CompletableFuture.runAsync(() -> {
                                self[0].status();
                                self[0].subscribe("hook.added", n -> {});
                            })
                            .get(3, TimeUnit.SECONDS);
                    fromHook.add("returned");
                } catch (Exception e) {
                    fromHook.add("blocked: " + e);
                }
            }
        };
        notifier = Notifiers.started(
                b -> b.name("hook-lock").callbackTimeout(Duration.ofMillis(200)).listener(hooks));
        self[0] = notifier;
        CountDownLatch release = new CountDownLatch(1);
        notifier.subscribe("hook.slow", n -> release.await(10, TimeUnit.SECONDS));

        notifier.publish("hook.slow", "x");

        await().atMost(Duration.ofSeconds(10)).until(() -> !fromHook.isEmpty());
        release.countDown();
        assertThat(fromHook).containsExactly("returned");
        assertThat(notifier.channels()).contains("hook.added");
    }

    private static void busyIgnoringInterrupts(Duration duration) {
        long end = System.nanoTime() + duration.toNanos();
        while (System.nanoTime() < end) {
            Thread.interrupted();
            Thread.onSpinWait();
        }
    }

    /** How many lanes the notifier's dispatcher holds. */
    static int lanes(Notifier notifier) throws ReflectiveOperationException {
        Field field = Notifier.class.getDeclaredField("lifecycle");
        field.setAccessible(true);
        Object dispatcher = ((Lifecycle) field.get(notifier)).dispatcher();
        Field lanes = dispatcher.getClass().getDeclaredField("lanes");
        lanes.setAccessible(true);
        return ((Map<?, ?>) lanes.get(dispatcher)).size();
    }
}
