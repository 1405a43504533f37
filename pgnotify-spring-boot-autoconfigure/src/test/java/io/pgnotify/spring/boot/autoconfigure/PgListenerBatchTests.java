package io.pgnotify.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgnotify.core.Notification;
import io.pgnotify.core.Notifier;
import io.pgnotify.core.NotifierState;
import io.pgnotify.spring.PgListener;
import io.pgnotify.spring.PgNotifyTemplate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.BeanInitializationException;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** Batch listeners: what arrived together, in order, bounded by pgnotify.listener.batch-size. */
class PgListenerBatchTests {

    private final ApplicationContextRunner contextRunner = TestApplications.onTestDatabase()
            .withPropertyValues("pgnotify.listener.batch-size=5")
            .withBean(Listeners.class);

    @Test
    void deliversWhatArrivedWhileTheListenerWasBusyInOrderedBatchesOfAtMostTheBatchSize() {
        run(context -> {
            Listeners listeners = context.getBean(Listeners.class);
            PgNotifyTemplate template = context.getBean(PgNotifyTemplate.class);
            template.publish("bt-strings", "0");
            await().atMost(Duration.ofSeconds(10)).until(() -> !listeners.strings.isEmpty());

            List<String> payloads =
                    IntStream.rangeClosed(1, 20).mapToObj(Integer::toString).toList();
            template.publishAll("bt-strings", payloads);
            // All twenty were read and wait behind the busy first call.
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> context.getBean(Notifier.class).status().buffered() >= 20);
            listeners.release.countDown();

            await().atMost(Duration.ofSeconds(10))
                    .until(() -> listeners.strings.stream().mapToInt(List::size).sum() == 21);
            List<List<String>> batches = new ArrayList<>(listeners.strings);
            assertThat(batches.get(0)).containsExactly("0");
            assertThat(batches.subList(1, batches.size()))
                    .allSatisfy(batch -> assertThat(batch).hasSizeBetween(1, 5));
            assertThat(batches.subList(1, batches.size()).stream()
                            .flatMap(List::stream)
                            .toList())
                    .containsExactlyElementsOf(payloads);
            assertThat(batches).hasSizeLessThan(21);
        });
    }

    @Test
    void givesBatchesOfNotificationsAndOfConvertedPayloads() {
        run(context -> {
            Listeners listeners = context.getBean(Listeners.class);
            PgNotifyTemplate template = context.getBean(PgNotifyTemplate.class);
            template.publishAll("bt-notifications", List.of("a", "b"));
            template.publishAll("bt-json", List.of(new Item("x", 1), new Item("y", 2)));
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> listeners.notifications.size() == 2 && listeners.items.size() == 2);
            assertThat(listeners.notifications)
                    .extracting(Notification::payload)
                    .containsExactly("a", "b");
            assertThat(listeners.items).containsExactly(new Item("x", 1), new Item("y", 2));
        });
    }

    @Test
    void failsAtStartupOnABatchListenerWithoutAListParameter() {
        TestApplications.onTestDatabase()
                .withBean(NotAList.class)
                .run(context -> assertThat(context)
                        .getFailure()
                        .rootCause()
                        .isInstanceOf(BeanInitializationException.class)
                        .hasMessageContaining("@PgListener(batch = true) method 'NotAList.receive'"));
    }

    private void run(Consumer<AssertableApplicationContext> test) {
        contextRunner.run(context -> {
            assertThat(context).hasNotFailed();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> context.getBean(Notifier.class).state() == NotifierState.LISTENING);
            test.accept(context);
        });
    }

    record Item(String name, int quantity) {}

    static class Listeners {

        final Queue<List<String>> strings = new ConcurrentLinkedQueue<>();
        final Queue<Notification> notifications = new ConcurrentLinkedQueue<>();
        final Queue<Item> items = new ConcurrentLinkedQueue<>();
        final CountDownLatch release = new CountDownLatch(1);

        @PgListener(value = "bt-strings", batch = true)
        void strings(List<String> payloads) throws InterruptedException {
            strings.add(List.copyOf(payloads));
            release.await(10, TimeUnit.SECONDS);
        }

        @PgListener(value = "bt-notifications", batch = true)
        void notifications(List<Notification> batch) {
            notifications.addAll(batch);
        }

        @PgListener(value = "bt-json", batch = true)
        void items(List<Item> batch) {
            items.addAll(batch);
        }
    }

    static class NotAList {

        @PgListener(value = "bt-not-a-list", batch = true)
        void receive(String payload) {}
    }
}
