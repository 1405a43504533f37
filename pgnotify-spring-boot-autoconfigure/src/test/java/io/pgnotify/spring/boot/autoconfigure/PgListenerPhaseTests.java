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
import org.springframework.context.SmartLifecycle;

/** The registry's lifecycle phase: listening outlasts the web server's graceful shutdown. */
class PgListenerPhaseTests {

    /** The phase of Spring Boot's WebServerGracefulShutdownLifecycle. */
    private static final int WEB_SERVER_GRACEFUL_SHUTDOWN_PHASE = SmartLifecycle.DEFAULT_PHASE - 1024;

    private final ApplicationContextRunner contextRunner = TestApplications.onTestDatabase();

    @Test
    void stillDeliversWhileTheWebServerDrainsItsRequests() {
        GracefulShutdown drain = new GracefulShutdown();
        contextRunner
                .withBean(Listener.class)
                .withBean(GracefulShutdown.class, () -> drain)
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    await().atMost(Duration.ofSeconds(10))
                            .until(() -> context.getBean(Notifier.class).state() == NotifierState.LISTENING);
                    drain.template = context.getBean(PgNotifyTemplate.class);
                    drain.listener = context.getBean(Listener.class);
                });
        assertThat(drain.stopped).isTrue();
        assertThat(drain.heardWhileDraining).isTrue();
    }

    @Test
    void thePhaseIsConfigurable() {
        contextRunner
                .withPropertyValues("pgnotify.listener.phase=42")
                .run(context -> assertThat(context.getBean(PgListenerEndpointRegistry.class)
                                .getPhase())
                        .isEqualTo(42));
    }

    static class Listener {

        final Queue<String> received = new ConcurrentLinkedQueue<>();

        @PgListener("ph-requests")
        void onRequest(String payload) {
            received.add(payload);
        }
    }

    /** Stands in for the web server's graceful shutdown: a request waits for a notification while it drains. */
    static class GracefulShutdown implements SmartLifecycle {

        volatile PgNotifyTemplate template;
        volatile Listener listener;
        volatile boolean running;
        volatile boolean stopped;
        volatile boolean heardWhileDraining;

        @Override
        public void start() {
            running = true;
        }

        @Override
        public void stop() {
            running = false;
            stopped = true;
            template.publish("ph-requests", "in-flight");
            try {
                await().atMost(Duration.ofSeconds(5)).until(() -> listener.received.contains("in-flight"));
                heardWhileDraining = true;
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                heardWhileDraining = false;
            }
        }

        @Override
        public boolean isRunning() {
            return running;
        }

        @Override
        public int getPhase() {
            return WEB_SERVER_GRACEFUL_SHUTDOWN_PHASE;
        }
    }
}
