package io.pgnotify.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgnotify.core.Notifier;
import io.pgnotify.core.NotifierState;
import io.pgnotify.spring.PgListener;
import io.pgnotify.spring.PgListenerContainer;
import io.pgnotify.spring.PgListenerEndpointRegistry;
import io.pgnotify.spring.PgListenerResumedEvent;
import io.pgnotify.spring.PgNotifyTemplate;
import java.time.Duration;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.BeanInitializationException;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.event.EventListener;

/** Listener containers: the registry's per-listener start, stop, pause and resume, and auto-startup. */
class PgListenerContainerTests {

    private final ApplicationContextRunner contextRunner = TestApplications.onTestDatabase()
            .withPropertyValues("test.orders-auto-startup=false")
            .withBean(Listeners.class);

    @Test
    void givesEachListenerIdAContainerThatNamesItsChannels() {
        run(context -> {
            PgListenerEndpointRegistry registry = context.getBean(PgListenerEndpointRegistry.class);
            assertThat(registry.getListenerContainerIds()).containsExactlyInAnyOrder("audit", "orders", "witness");
            assertThat(container(context, "audit").channels()).containsExactly("ct-audit", "ct-audit-2");
            assertThat(registry.getListenerContainer("no-such-listener")).isNull();
        });
    }

    @Test
    void aPausedContainerHoldsNoSubscriptionMissesWhatIsSentAndAnnouncesTheGapOnResume() {
        run(context -> {
            PgListenerContainer audit = container(context, "audit");
            Listeners listeners = context.getBean(Listeners.class);
            publish(context, "ct-audit", "1");
            await().atMost(Duration.ofSeconds(10)).until(() -> listeners.received.contains("audit:1"));

            audit.pause();
            assertThat(audit.isPaused()).isTrue();
            assertThat(audit.isRunning()).isTrue();
            assertThat(audit.isListening()).isFalse();
            assertThat(context.getBean(Notifier.class).channels()).doesNotContain("ct-audit-2");
            publish(context, "ct-audit", "2-while-paused");
            // The witness, always listening to the channel, shows the notification was dispatched while paused.
            await().atMost(Duration.ofSeconds(10)).until(() -> listeners.witnessed.contains("2-while-paused"));

            audit.resume();
            assertThat(audit.isPaused()).isFalse();
            publish(context, "ct-audit", "3");
            await().atMost(Duration.ofSeconds(10)).until(() -> listeners.received.contains("audit:3"));
            // One channel delivers in order: had "2" been delivered, it would have come before "3".
            assertThat(listeners.received).containsExactly("audit:1", "audit:3");
            assertThat(listeners.resumed).singleElement().satisfies(event -> {
                assertThat(event.listenerId()).isEqualTo("audit");
                assertThat(event.channels()).containsExactly("ct-audit", "ct-audit-2");
                assertThat(event.gap()).isPositive();
            });
        });
    }

    @Test
    void aStoppedContainerIsNotRunningAndListensAgainWhenStarted() {
        run(context -> {
            PgListenerContainer audit = container(context, "audit");
            Listeners listeners = context.getBean(Listeners.class);
            audit.stop();
            assertThat(audit.isRunning()).isFalse();
            assertThat(context.getBean(Notifier.class).channels()).doesNotContain("ct-audit-2");
            publish(context, "ct-audit", "while-stopped");
            await().atMost(Duration.ofSeconds(10)).until(() -> listeners.witnessed.contains("while-stopped"));

            audit.start();
            assertThat(audit.isRunning()).isTrue();
            publish(context, "ct-audit", "after");
            await().atMost(Duration.ofSeconds(10)).until(() -> listeners.received.contains("audit:after"));
            assertThat(listeners.received).containsExactly("audit:after");
            assertThat(listeners.resumed).hasSize(1);
        });
    }

    @Test
    void aListenerWhoseAutoStartupResolvesToFalseWaitsToBeStarted() {
        run(context -> {
            PgListenerContainer orders = container(context, "orders");
            assertThat(orders.isAutoStartup()).isFalse();
            assertThat(orders.isRunning()).isFalse();
            assertThat(context.getBean(Notifier.class).channels())
                    .contains("ct-audit")
                    .doesNotContain("ct-orders");

            orders.start();
            publish(context, "ct-orders", "o1");
            Listeners listeners = context.getBean(Listeners.class);
            await().atMost(Duration.ofSeconds(10)).until(() -> listeners.received.contains("orders:o1"));
            // Never listened before: nothing was missed, nothing to announce.
            assertThat(listeners.resumed).isEmpty();
        });
    }

    @Test
    void theAutoStartupPropertyKeepsEveryListenerThatDoesNotSayOtherwiseStopped() {
        contextRunner.withPropertyValues("pgnotify.listener.auto-startup=false").run(context -> {
            assertThat(context).hasNotFailed();
            PgListenerEndpointRegistry registry = context.getBean(PgListenerEndpointRegistry.class);
            assertThat(registry.isRunning()).isTrue();
            assertThat(registry.getListenerContainers()).noneMatch(PgListenerContainer::isRunning);
            assertThat(context.getBean(Notifier.class).channels()).isEmpty();
            assertThat(registry.getListenerContainers()).hasSize(3);
        });
    }

    @Test
    void stoppingTheContextStopsEveryContainer() {
        run(context -> {
            context.stop();
            PgListenerEndpointRegistry registry = context.getBean(PgListenerEndpointRegistry.class);
            assertThat(registry.isRunning()).isFalse();
            assertThat(registry.getListenerContainers()).noneMatch(PgListenerContainer::isListening);
            assertThat(registry.getListenerContainers()).noneMatch(PgListenerContainer::isRunning);
        });
    }

    @Test
    void failsAtStartupOnAnAutoStartupThatIsNotABoolean() {
        contextRunner
                .withPropertyValues("test.orders-auto-startup=sometimes")
                .run(context -> assertThat(context)
                        .getFailure()
                        .rootCause()
                        .isInstanceOf(BeanInitializationException.class)
                        .hasMessageContaining("'Listeners.orders' of bean")
                        .hasMessageContaining("autoStartup 'sometimes'"));
    }

    private void run(Consumer<AssertableApplicationContext> test) {
        contextRunner.run(context -> {
            assertThat(context).hasNotFailed();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> context.getBean(Notifier.class).state() == NotifierState.LISTENING);
            test.accept(context);
        });
    }

    private static PgListenerContainer container(AssertableApplicationContext context, String id) {
        return Objects.requireNonNull(
                context.getBean(PgListenerEndpointRegistry.class).getListenerContainer(id));
    }

    private static void publish(AssertableApplicationContext context, String channel, String payload) {
        context.getBean(PgNotifyTemplate.class).publish(channel, payload);
    }

    static class Listeners {

        final Queue<String> received = new ConcurrentLinkedQueue<>();
        final Queue<PgListenerResumedEvent> resumed = new ConcurrentLinkedQueue<>();
        final Queue<String> witnessed = new ConcurrentLinkedQueue<>();

        @PgListener(id = "witness", value = "ct-audit")
        void witness(String payload) {
            witnessed.add(payload);
        }

        @PgListener(
                id = "audit",
                value = {"ct-audit", "ct-audit-2"})
        void audit(String payload) {
            received.add("audit:" + payload);
        }

        @PgListener(id = "orders", value = "ct-orders", autoStartup = "${test.orders-auto-startup}")
        void orders(String payload) {
            received.add("orders:" + payload);
        }

        @EventListener
        void onResumed(PgListenerResumedEvent event) {
            resumed.add(event);
        }
    }
}
