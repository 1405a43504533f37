package io.pgnotify.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgnotify.core.HandlerTimeoutException;
import io.pgnotify.core.Notification;
import io.pgnotify.core.Notifier;
import io.pgnotify.core.NotifierState;
import io.pgnotify.spring.PgListener;
import io.pgnotify.spring.PgListenerEndpoint;
import io.pgnotify.spring.PgListenerErrorHandler;
import io.pgnotify.spring.PgNotifyTemplate;
import java.time.Duration;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.BeanInitializationException;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;
import org.springframework.core.retry.RetryPolicy;

/** What happens when a listener method fails: per-listener error handlers, retries in place, timeouts. */
class PgListenerErrorHandlingTests {

    private final ApplicationContextRunner contextRunner = TestApplications.onTestDatabase()
            .withPropertyValues(
                    "pgnotify.listener.retry.max-retries=2",
                    "pgnotify.listener.retry.delay=10ms",
                    "pgnotify.callback-timeout=300ms")
            .withUserConfiguration(Handlers.class)
            .withBean(Listeners.class);

    @Test
    void givesAFailureToTheErrorHandlerTheListenerNames() {
        run(context -> {
            publish(context, "eh-own", "boom");
            Recording own = context.getBean("ownHandler", Recording.class);
            await().atMost(Duration.ofSeconds(10)).until(() -> !own.failures.isEmpty());
            assertThat(own.failures).singleElement().satisfies(failure -> {
                assertThat(failure.listener()).isEqualTo("own");
                assertThat(failure.error()).hasMessage("own failed on boom");
            });
            assertThat(context.getBean("defaultHandler", Recording.class).failures)
                    .isEmpty();
        });
    }

    @Test
    void retriesAFailingCallInPlaceBeforeTheChannelsNextNotification() {
        run(context -> {
            publish(context, "eh-flaky", "a");
            publish(context, "eh-flaky", "b");
            Listeners listeners = context.getBean(Listeners.class);
            await().atMost(Duration.ofSeconds(10)).until(() -> listeners.flaky.contains("b"));
            // "a" failed twice and succeeded on the second retry, all before "b" was handled.
            assertThat(listeners.flaky).containsExactly("a:failed", "a:failed", "a", "b");
            assertThat(context.getBean("defaultHandler", Recording.class).failures)
                    .isEmpty();
        });
    }

    @Test
    void givesTheLastFailureToTheErrorHandlerOnceTheRetriesAreSpent() {
        run(context -> {
            publish(context, "eh-always", "x");
            Recording handler = context.getBean("defaultHandler", Recording.class);
            await().atMost(Duration.ofSeconds(10)).until(() -> !handler.failures.isEmpty());
            assertThat(handler.failures)
                    .singleElement()
                    .satisfies(failure -> assertThat(failure.error()).hasMessage("always fails, attempt 3"));
            assertThat(context.getBean(Listeners.class).alwaysCalls).hasValue(3);
        });
    }

    @Test
    void aListenersOwnRetryPolicyOverridesTheProperties() {
        run(context -> {
            publish(context, "eh-patient", "x");
            Recording handler = context.getBean("defaultHandler", Recording.class);
            await().atMost(Duration.ofSeconds(10)).until(() -> !handler.failures.isEmpty());
            assertThat(context.getBean(Listeners.class).patientCalls).hasValue(5);
        });
    }

    @Test
    void aListenerThatRunsPastTheCallbackTimeoutIsReportedToItsErrorHandler() {
        run(context -> {
            publish(context, "eh-slow", "x");
            Recording own = context.getBean("ownHandler", Recording.class);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> own.failures.stream().anyMatch(f -> f.error() instanceof HandlerTimeoutException));
            assertThat(own.failures)
                    .filteredOn(f -> f.error() instanceof HandlerTimeoutException)
                    .singleElement()
                    .satisfies(failure -> {
                        assertThat(failure.listener()).isEqualTo("slow");
                        assertThat(failure.channel()).isEqualTo("eh-slow");
                    });
        });
    }

    @Test
    void failsAtStartupWhenTheNamedErrorHandlerDoesNotExist() {
        TestApplications.onTestDatabase()
                .withBean(MissingHandler.class)
                .run(context -> assertThat(context)
                        .getFailure()
                        .isInstanceOf(BeanInitializationException.class)
                        .hasMessageContaining("'MissingHandler.listen' of bean")
                        .hasMessageContaining("errorHandler 'noSuchHandler'"));
    }

    private void run(Consumer<AssertableApplicationContext> test) {
        contextRunner.run(context -> {
            assertThat(context).hasNotFailed();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> context.getBean(Notifier.class).state() == NotifierState.LISTENING);
            test.accept(context);
        });
    }

    private static void publish(AssertableApplicationContext context, String channel, String payload) {
        context.getBean(PgNotifyTemplate.class).publish(channel, payload);
    }

    record Failure(String listener, String channel, Throwable error) {}

    static class Recording implements PgListenerErrorHandler {

        final Queue<Failure> failures = new ConcurrentLinkedQueue<>();

        @Override
        public void handleError(Notification notification, PgListenerEndpoint endpoint, Throwable error) {
            failures.add(new Failure(endpoint.id(), notification.channel(), error));
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Handlers {

        @Bean
        @Primary
        Recording defaultHandler() {
            return new Recording();
        }

        @Bean
        PgListenerErrorHandler ownHandler() {
            return new Recording();
        }

        @Bean
        RetryPolicy patient() {
            return RetryPolicy.builder()
                    .maxRetries(4)
                    .delay(Duration.ofMillis(5))
                    .build();
        }
    }

    static class Listeners {

        final Queue<String> flaky = new ConcurrentLinkedQueue<>();
        final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
        final AtomicInteger alwaysCalls = new AtomicInteger();
        final AtomicInteger patientCalls = new AtomicInteger();

        @PgListener(id = "own", value = "eh-own", errorHandler = "ownHandler", retryPolicy = "")
        void own(String payload) {
            throw new IllegalStateException("own failed on " + payload);
        }

        @PgListener("eh-flaky")
        void flaky(String payload) {
            if (payload.equals("a")
                    && attempts.computeIfAbsent(payload, p -> new AtomicInteger())
                                    .incrementAndGet()
                            <= 2) {
                flaky.add(payload + ":failed");
                throw new IllegalStateException("flaky");
            }
            flaky.add(payload);
        }

        @PgListener("eh-always")
        void always(String payload) {
            throw new IllegalStateException("always fails, attempt " + alwaysCalls.incrementAndGet());
        }

        @PgListener(value = "eh-patient", retryPolicy = "patient")
        void patient(String payload) {
            patientCalls.incrementAndGet();
            throw new IllegalStateException("patient");
        }

        @PgListener(id = "slow", value = "eh-slow", errorHandler = "ownHandler")
        void slow(String payload) throws InterruptedException {
            new CountDownLatch(1).await();
        }
    }

    static class MissingHandler {

        @PgListener(value = "eh-missing", errorHandler = "noSuchHandler")
        void listen(String payload) {}
    }
}
