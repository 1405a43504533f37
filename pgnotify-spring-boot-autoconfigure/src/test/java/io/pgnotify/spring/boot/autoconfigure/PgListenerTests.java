package io.pgnotify.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.pgnotify.core.Notification;
import io.pgnotify.core.NotificationHandler;
import io.pgnotify.core.Notifier;
import io.pgnotify.core.NotifierListener;
import io.pgnotify.core.NotifierState;
import io.pgnotify.spring.PgListener;
import io.pgnotify.spring.PgListenerEndpoint;
import io.pgnotify.spring.PgListenerEndpointRegistry;
import io.pgnotify.spring.PgListenerErrorHandler;
import io.pgnotify.spring.PgNotifyTemplate;
import io.pgnotify.testing.TestDatabase;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.BeanInitializationException;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Lazy;
import org.springframework.core.annotation.Order;
import org.springframework.transaction.annotation.EnableTransactionManagement;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/** {@link PgListener} methods in a full application context on a real PostgreSQL. */
class PgListenerTests {

    private final ApplicationContextRunner contextRunner = TestApplications.onTestDatabase()
            .withPropertyValues("test.channel=lt-placeholder", "test.listener-id=several")
            .withUserConfiguration(ListenerBeans.class);

    @Test
    void deliversThePayloadToAStringParameter() {
        run(context -> {
            publish(context, "lt-string", "hello");
            awaitReceived(context, "string:hello");
        });
    }

    @Test
    void deliversAnEmptyPayloadAsAnEmptyString() {
        run(context -> {
            TestDatabase.shared().execute("NOTIFY \"lt-string\"");
            awaitReceived(context, "string:");
        });
    }

    @Test
    void deliversTheWholeNotification() {
        run(context -> {
            publish(context, "lt-notification", "n1");
            awaitReceived(context, "notification:lt-notification:n1");
        });
    }

    @Test
    void convertsAJsonPayloadToTheParameterType() {
        run(context -> {
            context.getBean(PgNotifyTemplate.class).publish("lt-json", new Purchase(42, "café", List.of("a", "b")));
            awaitReceived(context, "json:" + new Purchase(42, "café", List.of("a", "b")) + ":lt-json");
        });
    }

    @Test
    void convertsToAGenericParameterType() {
        run(context -> {
            context.getBean(PgNotifyTemplate.class).publish("lt-generic", List.of(new Purchase(1, "x", List.of())));
            awaitReceived(context, "generic:Purchase");
        });
    }

    @Test
    void resolvesPlaceholdersInChannelNames() {
        run(context -> {
            publish(context, "lt-placeholder", "p");
            awaitReceived(context, "placeholder:p");
        });
    }

    @Test
    void listensToSeveralChannelsWithExactMixedCaseAndSpacedNames() {
        run(context -> {
            publish(context, "lt Mixed Case", "1");
            publish(context, "lt mixed case", "lower");
            publish(context, "LT-Second", "2");
            awaitReceived(context, "several:lt Mixed Case:1", "several:LT-Second:2");
            assertThat(received(context)).doesNotContain("several:lt mixed case:lower");
        });
    }

    @Test
    void findsListenersOnTransactionalProxiesAndInheritedMethods() {
        run(context -> {
            publish(context, "lt-proxied", "tx");
            publish(context, "lt-inherited", "sup");
            publish(context, "lt-interface", "itf");
            awaitReceived(context, "proxied:tx:true", "inherited:sup", "interface:itf");
        });
    }

    @Test
    void givesAFailingListenersExceptionToTheErrorHandlerAndKeepsDelivering() {
        run(context -> {
            publish(context, "lt-failing", "boom");
            publish(context, "lt-failing", "fine");
            publish(context, "lt-string", "other");
            awaitReceived(context, "failing:fine", "string:other");
            RecordingErrorHandler errors = context.getBean(RecordingErrorHandler.class);
            assertThat(errors.failures).singleElement().satisfies(failure -> {
                assertThat(failure.getKey()).isEqualTo("listeners#failing");
                assertThat(failure.getValue()).isInstanceOf(IllegalStateException.class);
            });
        });
    }

    @Test
    void givesAPayloadThatIsNotValidJsonToTheErrorHandler() {
        run(context -> {
            publish(context, "lt-json", "{not json");
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> !context.getBean(RecordingErrorHandler.class)
                            .failures
                            .isEmpty());
            assertThat(context.getBean(RecordingErrorHandler.class).failures)
                    .singleElement()
                    .satisfies(failure -> assertThat(failure.getKey()).isEqualTo("listeners#json"));
        });
    }

    @Test
    void namesEveryEndpointByIdAndChannel() {
        run(context -> {
            List<PgListenerEndpoint> endpoints =
                    context.getBean(PgListenerEndpointRegistry.class).endpoints();
            assertThat(endpoints)
                    .filteredOn(e -> e.id().equals("several"))
                    .flatExtracting(PgListenerEndpoint::channels)
                    .containsExactlyInAnyOrder("lt Mixed Case", "LT-Second");
            assertThat(endpoints)
                    .filteredOn(e -> e.channels().equals(List.of("lt-string")))
                    .singleElement()
                    .satisfies(e -> {
                        assertThat(e.id()).isEqualTo("listeners#string");
                        assertThat(e.beanName()).isEqualTo("listeners");
                        assertThat(e.method().getName()).isEqualTo("string");
                    });
            assertThat(context.getBean(Notifier.class).channels()).contains("lt-string", "lt Mixed Case");
        });
    }

    @Test
    void reportsEveryHandledNotificationToEveryNotifierListenerBeanEvenWhenOneThrows() {
        run(context -> {
            publish(context, "lt-string", "hooked");
            awaitReceived(context, "string:hooked");
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> context.getBean(RecordingNotifierListener.class)
                            .handled
                            .contains("listeners#string"));
        });
    }

    @Test
    void observesEveryHandlingWithChannelAndListener() {
        run(context -> {
            publish(context, "lt-string", "observed");
            awaitReceived(context, "string:observed");
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> context.getBean(RecordingObservations.class)
                            .seen
                            .contains("pgnotify.handle channel=lt-string listener=listeners#string"));
        });
    }

    @Test
    void subscribesTheListenersOfABeanCreatedAfterStartup() {
        contextRunner.withUserConfiguration(LateListenerBeans.class).run(context -> {
            assertThat(context).hasNotFailed();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> context.getBean(Notifier.class).state() == NotifierState.LISTENING);
            assertThat(context.getBean(Notifier.class).channels()).doesNotContain("lt-late");
            LateListener late = context.getBean(LateListener.class);
            assertThat(context.getBean(Notifier.class).channels()).contains("lt-late");
            publish(context, "lt-late", "welcome");
            await().atMost(Duration.ofSeconds(10)).until(() -> late.received.contains("welcome"));
        });
    }

    @Test
    void failsAtStartupOnAMethodItCannotServe() {
        contextRunner
                .withUserConfiguration(Unservable.class)
                .run(context -> assertThat(context)
                        .getFailure()
                        .hasRootCauseInstanceOf(BeanInitializationException.class)
                        .rootCause()
                        .hasMessageContaining("'TwoPayloads.twoPayloads' of bean 'unservable'"));
    }

    @Test
    void failsAtStartupOnAListenerWithoutAChannel() {
        contextRunner
                .withUserConfiguration(NoChannel.class)
                .run(context -> assertThat(context)
                        .getFailure()
                        .rootCause()
                        .isInstanceOf(BeanInitializationException.class)
                        .hasMessageContaining("'ChannelLess.nothing' of bean 'noChannel' names no channel"));
    }

    private void run(Consumer<AssertableApplicationContext> test) {
        contextRunner.run(context -> {
            assertThat(context).hasNotFailed();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> context.getBean(Notifier.class).state() == NotifierState.LISTENING);
            test.accept(context);
        });
    }

    static void publish(AssertableApplicationContext context, String channel, String payload) {
        context.getBean(PgNotifyTemplate.class).publish(channel, payload);
    }

    static Queue<String> received(AssertableApplicationContext context) {
        return context.getBean(Listeners.class).received;
    }

    static void awaitReceived(AssertableApplicationContext context, String... expected) {
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(received(context)).contains(expected));
    }

    record Purchase(int id, String customer, List<String> items) {}

    interface InterfaceListener {

        @PgListener("lt-interface")
        void onInterface(String payload);
    }

    abstract static class BaseListeners {

        final Queue<String> received = new ConcurrentLinkedQueue<>();

        @PgListener("lt-inherited")
        void inherited(String payload) {
            received.add("inherited:" + payload);
        }
    }

    static class Listeners extends BaseListeners implements InterfaceListener {

        @PgListener("lt-string")
        void string(String payload) {
            received.add("string:" + payload);
        }

        @PgListener(channels = "lt-notification")
        void notification(Notification notification) {
            received.add("notification:" + notification.channel() + ":" + notification.payload());
        }

        @PgListener("lt-json")
        void json(Notification notification, Purchase order) {
            received.add("json:" + order + ":" + notification.channel());
        }

        @PgListener("lt-generic")
        void generic(List<Purchase> orders) {
            received.add("generic:" + orders.get(0).getClass().getSimpleName());
        }

        @PgListener("${test.channel}")
        void placeholder(String payload) {
            received.add("placeholder:" + payload);
        }

        @PgListener(
                value = {"lt Mixed Case", "LT-Second"},
                id = "${test.listener-id}")
        void several(String payload, Notification notification) {
            received.add("several:" + notification.channel() + ":" + payload);
        }

        @PgListener("lt-failing")
        void failing(String payload) {
            if (payload.equals("boom")) {
                throw new IllegalStateException("listener failed on purpose");
            }
            received.add("failing:" + payload);
        }

        @Override
        public void onInterface(String payload) {
            received.add("interface:" + payload);
        }
    }

    static class ProxiedListener {

        private final Listeners listeners;

        ProxiedListener(Listeners listeners) {
            this.listeners = listeners;
        }

        @Transactional
        @PgListener("lt-proxied")
        public void proxied(String payload) {
            listeners.received.add(
                    "proxied:" + payload + ":" + TransactionSynchronizationManager.isActualTransactionActive());
        }
    }

    static class RecordingErrorHandler implements PgListenerErrorHandler {

        final Queue<Map.Entry<String, Throwable>> failures = new ConcurrentLinkedQueue<>();

        @Override
        public void handleError(Notification notification, PgListenerEndpoint endpoint, Throwable error) {
            failures.add(Map.entry(endpoint.id(), error));
        }
    }

    static class RecordingNotifierListener implements NotifierListener {

        final Queue<String> handled = new ConcurrentLinkedQueue<>();

        @Override
        public void onHandled(
                Notification notification, NotificationHandler handler, long durationNanos, @Nullable Throwable error) {
            if (handler instanceof PgListenerEndpoint endpoint) {
                handled.add(endpoint.id());
            }
        }
    }

    static class RecordingObservations implements ObservationHandler<Observation.Context> {

        final Queue<String> seen = new ConcurrentLinkedQueue<>();

        @Override
        public void onStop(Observation.Context context) {
            seen.add(context.getName() + " channel="
                    + context.getLowCardinalityKeyValue("channel").getValue() + " listener="
                    + (context.getLowCardinalityKeyValue("listener") != null
                            ? context.getLowCardinalityKeyValue("listener").getValue()
                            : "-"));
        }

        @Override
        public boolean supportsContext(Observation.Context context) {
            return true;
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableTransactionManagement(proxyTargetClass = true)
    static class ListenerBeans {

        @Bean
        Listeners listeners() {
            return new Listeners();
        }

        @Bean
        ProxiedListener proxiedListener(Listeners listeners) {
            return new ProxiedListener(listeners);
        }

        @Bean
        RecordingErrorHandler recordingErrorHandler() {
            return new RecordingErrorHandler();
        }

        @Bean
        @Order(1)
        NotifierListener throwingNotifierListener() {
            return new NotifierListener() {
                @Override
                public void onHandled(
                        Notification notification,
                        NotificationHandler handler,
                        long durationNanos,
                        @Nullable Throwable error) {
                    throw new IllegalStateException("hook failed on purpose");
                }
            };
        }

        @Bean
        @Order(2)
        RecordingNotifierListener recordingNotifierListener() {
            return new RecordingNotifierListener();
        }

        @Bean
        RecordingObservations recordingObservations() {
            return new RecordingObservations();
        }

        @Bean
        ObservationRegistry observationRegistry(RecordingObservations observations) {
            ObservationRegistry registry = ObservationRegistry.create();
            registry.observationConfig().observationHandler(observations);
            return registry;
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class LateListenerBeans {

        @Bean
        @Lazy
        LateListener lateListener() {
            return new LateListener();
        }
    }

    static class LateListener {

        final Queue<String> received = new ConcurrentLinkedQueue<>();

        @PgListener("lt-late")
        void late(String payload) {
            received.add(payload);
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Unservable {

        @Bean
        TwoPayloads unservable() {
            return new TwoPayloads();
        }
    }

    static class TwoPayloads {

        @PgListener("lt-unservable")
        void twoPayloads(String first, Purchase second) {}
    }

    @Configuration(proxyBeanMethods = false)
    static class NoChannel {

        @Bean
        ChannelLess noChannel() {
            return new ChannelLess();
        }
    }

    static class ChannelLess {

        @PgListener
        void nothing(String payload) {}
    }
}
