package io.pgnotify.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgnotify.core.Notification;
import io.pgnotify.core.Notifier;
import io.pgnotify.core.NotifierState;
import io.pgnotify.spring.PgHandler;
import io.pgnotify.spring.PgHandlerNotFoundException;
import io.pgnotify.spring.PgListener;
import io.pgnotify.spring.PgListenerContainer;
import io.pgnotify.spring.PgListenerEndpoint;
import io.pgnotify.spring.PgListenerEndpointRegistry;
import io.pgnotify.spring.PgListenerErrorHandler;
import io.pgnotify.spring.PgNotifyTemplate;
import java.time.Duration;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.BeanInitializationException;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * Class-level {@code @PgListener} with {@code @PgHandler} methods: the payload's type property chooses the handler,
 * a default takes the rest, and a notification nobody takes reaches the error handler; one container per class.
 */
class PgListenerClassLevelTests {

    private final ApplicationContextRunner contextRunner = TestApplications.onTestDatabase()
            .withPropertyValues(
                    "pgnotify.listener.retry.max-retries=2",
                    "pgnotify.listener.retry.delay=10ms",
                    "test.kind-property=kind")
            .withBean("recording", Recording.class)
            .withBean("orderEvents", OrderEvents.class)
            .withBean("strictEvents", StrictEvents.class);

    @Test
    void callsTheHandlerOfTheTypeThePayloadNames() {
        run(context -> {
            publish(context, "cl-orders", "{\"type\": \"Placed\", \"orderId\": 1}");
            publish(context, "cl-orders", "{\"orderId\": 2, \"type\": \"cancelled\", \"reason\": \"late\"}");
            publish(context, "cl-orders", "{\"type\": \"revoked\", \"orderId\": 3}");
            OrderEvents events = context.getBean(OrderEvents.class);
            await().atMost(Duration.ofSeconds(10)).until(() -> events.received.size() == 3);
            // One channel, one container: in order, each to its handler.
            assertThat(events.received)
                    .containsExactly("placed:1", "cancelled:2:late on cl-orders", "cancelled:3:null on cl-orders");
        });
    }

    @Test
    void givesTheDefaultHandlerWhatNoOtherHandlerTakes() {
        run(context -> {
            publish(context, "cl-orders", "{\"type\": \"Refunded\", \"orderId\": 4}");
            publish(context, "cl-orders", "{\"orderId\": 5}");
            publish(context, "cl-orders", "{\"type\": 7}");
            publish(context, "cl-orders", "not json");
            publish(context, "cl-orders", "[\"Placed\"]");
            publish(context, "cl-orders", "");
            OrderEvents events = context.getBean(OrderEvents.class);
            await().atMost(Duration.ofSeconds(10)).until(() -> events.received.size() == 6);
            assertThat(events.received)
                    .containsExactly(
                            "other:{\"type\": \"Refunded\", \"orderId\": 4}",
                            "other:{\"orderId\": 5}",
                            "other:{\"type\": 7}",
                            "other:not json",
                            "other:[\"Placed\"]",
                            "other:");
            assertThat(context.getBean(Recording.class).failures).isEmpty();
        });
    }

    @Test
    void aNotificationNoHandlerTakesGoesToTheErrorHandlerNamingTheChannelTypeAndCandidatesAndIsNotRetried() {
        run(context -> {
            publish(context, "cl-strict", "{\"kind\": \"unknown\"}");
            publish(context, "cl-strict", "plain text");
            publish(context, "cl-strict", "{\"kind\": \"Placed\", \"orderId\": 6}");
            StrictEvents events = context.getBean(StrictEvents.class);
            Recording recording = context.getBean(Recording.class);
            await().atMost(Duration.ofSeconds(10)).until(() -> events.received.contains("placed:6"));
            await().atMost(Duration.ofSeconds(10)).until(() -> recording.failures.size() == 2);
            assertThat(recording.failures).allSatisfy(failure -> {
                assertThat(failure.listener()).isEqualTo("strict");
                assertThat(failure.channel()).isEqualTo("cl-strict");
                assertThat(failure.error()).isInstanceOf(PgHandlerNotFoundException.class);
            });
            PgHandlerNotFoundException unknown =
                    (PgHandlerNotFoundException) recording.failures.peek().error();
            assertThat(unknown.type()).isEqualTo("unknown");
            assertThat(unknown.channel()).isEqualTo("cl-strict");
            assertThat(unknown.listenerId()).isEqualTo("strict");
            assertThat(unknown.candidates())
                    .containsExactly("'ping' -> StrictEvents.ping(String)", "'Placed' -> StrictEvents.placed(Placed)");
            assertThat(unknown)
                    .hasMessageContaining("channel 'cl-strict'")
                    .hasMessageContaining("its 'kind' is 'unknown'")
                    .hasMessageContaining("'Placed' -> StrictEvents.placed(Placed)");
            assertThat(recording.failures.stream()
                            .skip(1)
                            .findFirst()
                            .orElseThrow()
                            .error())
                    .hasMessageContaining("not a JSON object with a string property 'kind'");
            // Only the one that a handler takes was called; nothing was retried.
            assertThat(events.received).containsExactly("placed:6");
            assertThat(events.calls).hasValue(1);
        });
    }

    @Test
    void aHandlerThatFailsIsRetriedAndThenNamedToTheClasssErrorHandler() {
        run(context -> {
            publish(context, "cl-strict", "{\"kind\": \"ping\", \"fail\": true}");
            Recording recording = context.getBean(Recording.class);
            await().atMost(Duration.ofSeconds(10)).until(() -> !recording.failures.isEmpty());
            assertThat(recording.failures).singleElement().satisfies(failure -> {
                assertThat(failure.listener()).isEqualTo("strict");
                assertThat(failure.method()).isEqualTo("ping");
                assertThat(failure.error()).hasMessage("ping failed");
            });
            assertThat(context.getBean(StrictEvents.class).pings).hasValue(3);
        });
    }

    @Test
    void eachClassHasOneContainerForAllItsHandlers() {
        run(context -> {
            PgListenerEndpointRegistry registry = context.getBean(PgListenerEndpointRegistry.class);
            assertThat(registry.getListenerContainerIds()).containsExactlyInAnyOrder("orderEvents", "strict");
            PgListenerContainer orders = Objects.requireNonNull(registry.getListenerContainer("orderEvents"));
            assertThat(orders.channels()).containsExactly("cl-orders", "cl-orders-2");
            assertThat(registry.endpoints())
                    .filteredOn(endpoint -> endpoint.id().equals("orderEvents"))
                    .hasSize(2)
                    .allSatisfy(
                            endpoint -> assertThat(endpoint.method().getName()).isEqualTo("other"));

            orders.stop();
            assertThat(context.getBean(Notifier.class).channels()).doesNotContain("cl-orders", "cl-orders-2");
            orders.start();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> context.getBean(Notifier.class).channels().contains("cl-orders-2"));
            publish(context, "cl-orders-2", "{\"type\": \"Placed\", \"orderId\": 8}");
            OrderEvents events = context.getBean(OrderEvents.class);
            await().atMost(Duration.ofSeconds(10)).until(() -> events.received.contains("placed:8"));
        });
    }

    @Test
    void aClassThatDoesNotAutoStartWaitsForItsContainer() {
        TestApplications.onTestDatabase().withBean(Dormant.class).run(context -> {
            assertThat(context).hasNotFailed();
            PgListenerContainer dormant = Objects.requireNonNull(
                    context.getBean(PgListenerEndpointRegistry.class).getListenerContainer("dormant"));
            assertThat(dormant.isRunning()).isFalse();
            assertThat(context.getBean(Notifier.class).channels()).doesNotContain("cl-dormant");
            dormant.start();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> context.getBean(Notifier.class).channels().contains("cl-dormant"));
        });
    }

    @Test
    void twoHandlersForOneTypeFailTheStartupNamingBoth() {
        assertStartupFails(
                Ambiguous.class,
                "has two @PgHandler methods for type 'Placed': Ambiguous.first(Placed) and Ambiguous.second(Placed)");
    }

    @Test
    void twoDefaultHandlersFailTheStartup() {
        assertStartupFails(TwoDefaults.class, "has two @PgHandler(isDefault = true) methods");
    }

    @Test
    void aHandlerWithoutATypeFailsTheStartup() {
        assertStartupFails(Untyped.class, "Untyped.text(String) has no payload parameter to take its type from");
    }

    @Test
    void aClassWithoutHandlersFailsTheStartup() {
        assertStartupFails(NoHandlers.class, "class-level @PgListener 'NoHandlers' of bean");
    }

    @Test
    void handlersWithoutAClassLevelListenerFailTheStartup() {
        assertStartupFails(Orphans.class, "need @PgListener on the class");
    }

    @Test
    void aClassLevelBatchListenerFailsTheStartup() {
        assertStartupFails(BatchClass.class, "cannot take batches");
    }

    private void assertStartupFails(Class<?> bean, String message) {
        TestApplications.onTestDatabase()
                .withBean(bean)
                .run(context -> assertThat(context)
                        .getFailure()
                        .rootCause()
                        .isInstanceOf(BeanInitializationException.class)
                        .hasMessageContaining(message));
    }

    private void run(Consumer<AssertableApplicationContext> test) {
        contextRunner.run(context -> {
            assertThat(context).hasNotFailed();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> context.getBean(Notifier.class).state() == NotifierState.LISTENING
                            && context.getBean(Notifier.class)
                                    .channels()
                                    .containsAll(java.util.List.of("cl-orders", "cl-orders-2", "cl-strict")));
            test.accept(context);
        });
    }

    private static void publish(AssertableApplicationContext context, String channel, String payload) {
        context.getBean(PgNotifyTemplate.class).publish(channel, payload);
    }

    record Placed(long orderId) {}

    record Cancelled(long orderId, String reason) {}

    record Failure(String listener, String method, String channel, Throwable error) {}

    static class Recording implements PgListenerErrorHandler {

        final Queue<Failure> failures = new ConcurrentLinkedQueue<>();

        @Override
        public void handleError(Notification notification, PgListenerEndpoint endpoint, Throwable error) {
            failures.add(new Failure(endpoint.id(), endpoint.method().getName(), notification.channel(), error));
        }
    }

    @PgListener({"cl-orders", "cl-orders-2"})
    static class OrderEvents {

        final Queue<String> received = new ConcurrentLinkedQueue<>();

        @PgHandler
        void placed(Placed placed) {
            received.add("placed:" + placed.orderId());
        }

        @PgHandler({"cancelled", "revoked"})
        void cancelled(Notification notification, Cancelled cancelled) {
            received.add(
                    "cancelled:" + cancelled.orderId() + ":" + cancelled.reason() + " on " + notification.channel());
        }

        @PgHandler(isDefault = true)
        void other(String payload) {
            received.add("other:" + payload);
        }

        // Not a handler: never called.
        void placed(String payload) {
            received.add("not a handler");
        }
    }

    @PgListener(
            channels = "cl-strict",
            id = "strict",
            typeProperty = "${test.kind-property}",
            errorHandler = "recording")
    static class StrictEvents {

        final Queue<String> received = new ConcurrentLinkedQueue<>();
        final AtomicInteger calls = new AtomicInteger();
        final AtomicInteger pings = new AtomicInteger();

        @PgHandler
        void placed(Placed placed) {
            calls.incrementAndGet();
            received.add("placed:" + placed.orderId());
        }

        @PgHandler("ping")
        void ping(String payload) {
            pings.incrementAndGet();
            if (payload.contains("fail")) {
                throw new IllegalStateException("ping failed");
            }
        }
    }

    @PgListener(value = "cl-dormant", id = "dormant", autoStartup = "false")
    static class Dormant {

        @PgHandler(isDefault = true)
        void any(String payload) {}
    }

    @PgListener("cl-ambiguous")
    static class Ambiguous {

        @PgHandler
        void first(Placed placed) {}

        @PgHandler
        void second(Placed placed) {}
    }

    @PgListener("cl-defaults")
    static class TwoDefaults {

        @PgHandler(isDefault = true)
        void first(String payload) {}

        @PgHandler(isDefault = true)
        void second(Notification notification) {}
    }

    @PgListener("cl-untyped")
    static class Untyped {

        @PgHandler
        void text(String payload) {}
    }

    @PgListener("cl-none")
    static class NoHandlers {

        void notAHandler(String payload) {}
    }

    static class Orphans {

        @PgHandler
        void placed(Placed placed) {}
    }

    @PgListener(value = "cl-batch", batch = true)
    static class BatchClass {

        @PgHandler(isDefault = true)
        void any(String payload) {}
    }
}
