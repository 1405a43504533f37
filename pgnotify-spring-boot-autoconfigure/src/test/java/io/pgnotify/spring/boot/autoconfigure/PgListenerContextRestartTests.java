package io.pgnotify.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgnotify.core.Notifier;
import io.pgnotify.core.NotifierState;
import io.pgnotify.spring.PgHandler;
import io.pgnotify.spring.PgListener;
import io.pgnotify.spring.PgListenerContainer;
import io.pgnotify.spring.PgListenerEndpointRegistry;
import io.pgnotify.spring.PgNotifyTemplate;
import java.time.Duration;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * Context stop() then start(), as Spring Framework 7's test context cache does when it pauses and resumes a context:
 * every listener must work again.
 */
class PgListenerContextRestartTests {

    private final ApplicationContextRunner contextRunner =
            TestApplications.onTestDatabase().withBean(Listener.class);

    @Test
    void listenersWorkAgainAfterTheContextIsStoppedAndStarted() {
        contextRunner.run(context -> {
            assertThat(context).hasNotFailed();
            awaitListening(context.getBean(Notifier.class));
            Listener listener = context.getBean(Listener.class);
            PgNotifyTemplate template = context.getBean(PgNotifyTemplate.class);
            template.publish("rs-channel", "before");
            await().atMost(Duration.ofSeconds(10)).until(() -> listener.received.contains("before"));

            context.stop();
            context.start();

            assertThat(context.getBean(PgListenerEndpointRegistry.class).isRunning())
                    .isTrue();
            awaitListening(context.getBean(Notifier.class));
            template.publish("rs-channel", "after");
            await().atMost(Duration.ofSeconds(10)).until(() -> listener.received.contains("after"));
        });
    }

    @Test
    void aRestartKeepsPausedContainersPausedAndEveryOtherListenerWorking() {
        contextRunner.withBean("dispatcher", Dispatcher.class).run(context -> {
            assertThat(context).hasNotFailed();
            Notifier notifier = context.getBean(Notifier.class);
            awaitListening(notifier);
            PgListenerEndpointRegistry registry = context.getBean(PgListenerEndpointRegistry.class);
            PgListenerContainer paused = Objects.requireNonNull(registry.getListenerContainer("paused"));
            PgListenerContainer dormant = Objects.requireNonNull(registry.getListenerContainer("dormant"));
            paused.pause();
            dormant.start();
            await().atMost(Duration.ofSeconds(10)).until(dormant::isListening);

            context.stop();
            context.start();

            awaitListening(notifier);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> notifier.channels().containsAll(java.util.List.of("rs-channel", "rs-dispatch")));
            assertThat(paused.isPaused()).isTrue();
            assertThat(paused.isRunning()).isTrue();
            assertThat(paused.isListening()).isFalse();
            // Not marked for auto-startup: the context's start() leaves it to the application, as Spring Kafka does.
            assertThat(dormant.isRunning()).isFalse();
            assertThat(notifier.channels()).doesNotContain("rs-paused", "rs-dormant");

            PgNotifyTemplate template = context.getBean(PgNotifyTemplate.class);
            template.publish("rs-channel", "after-restart");
            template.publish("rs-dispatch", "{\"type\": \"Ping\"}");
            Listener listener = context.getBean(Listener.class);
            Dispatcher dispatcher = context.getBean(Dispatcher.class);
            await().atMost(Duration.ofSeconds(10)).until(() -> listener.received.contains("after-restart"));
            await().atMost(Duration.ofSeconds(10)).until(() -> dispatcher.received.contains("ping"));

            paused.resume();
            await().atMost(Duration.ofSeconds(10)).until(paused::isListening);
            template.publish("rs-paused", "after-resume");
            await().atMost(Duration.ofSeconds(10)).until(() -> listener.received.contains("paused:after-resume"));
        });
    }

    private static void awaitListening(Notifier notifier) {
        await().atMost(Duration.ofSeconds(10)).until(() -> notifier.state() == NotifierState.LISTENING);
    }

    static class Listener {

        final Queue<String> received = new ConcurrentLinkedQueue<>();

        @PgListener("rs-channel")
        void onMessage(String payload) {
            received.add(payload);
        }

        @PgListener(id = "paused", value = "rs-paused")
        void onPaused(String payload) {
            received.add("paused:" + payload);
        }

        @PgListener(id = "dormant", value = "rs-dormant", autoStartup = "false")
        void onDormant(String payload) {
            received.add("dormant:" + payload);
        }
    }

    record Ping() {}

    @PgListener("rs-dispatch")
    static class Dispatcher {

        final Queue<String> received = new ConcurrentLinkedQueue<>();

        @PgHandler
        void ping(Ping ping) {
            received.add("ping");
        }
    }
}
