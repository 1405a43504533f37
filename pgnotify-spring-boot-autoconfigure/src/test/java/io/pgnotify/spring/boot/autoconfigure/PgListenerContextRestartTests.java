package io.pgnotify.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgnotify.core.Notifier;
import io.pgnotify.core.NotifierState;
import io.pgnotify.spring.PgListener;
import io.pgnotify.spring.PgListenerEndpointRegistry;
import io.pgnotify.spring.PgNotifyTemplate;
import java.time.Duration;
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

    private static void awaitListening(Notifier notifier) {
        await().atMost(Duration.ofSeconds(10)).until(() -> notifier.state() == NotifierState.LISTENING);
    }

    static class Listener {

        final Queue<String> received = new ConcurrentLinkedQueue<>();

        @PgListener("rs-channel")
        void onMessage(String payload) {
            received.add(payload);
        }
    }
}
