package io.pgnotify.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgnotify.core.Notifier;
import io.pgnotify.core.NotifierListener;
import io.pgnotify.core.NotifierState;
import io.pgnotify.spring.PgNotifyReconnectedEvent;
import io.pgnotify.testing.TestDatabase;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;

/** Customising the auto-configured notifier without losing the starter's hooks. */
class NotifierBuilderCustomizerTests {

    private final ApplicationContextRunner contextRunner = TestApplications.onTestDatabase()
            .withPropertyValues("pgnotify.listener.application-name=pgnotify-customized", "pgnotify.max-workers=3")
            .withUserConfiguration(Customizers.class);

    @Test
    void appliesEveryCustomizerAndKeepsTheReconnectEventWhateverTheyDo() {
        contextRunner.run(context -> {
            assertThat(context).hasNotFailed();
            Notifier notifier = context.getBean(Notifier.class);
            assertThat(notifier.name()).isEqualTo("customized");
            await().atMost(Duration.ofSeconds(10)).until(() -> notifier.state() == NotifierState.LISTENING);

            TestDatabase.shared()
                    .execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                            + " WHERE application_name = 'pgnotify-customized'");

            Customizers customizers = context.getBean(Customizers.class);
            await().atMost(Duration.ofSeconds(15)).until(() -> !customizers.reconnects.isEmpty());
            assertThat(customizers.reconnects.peek().notifier()).isSameAs(notifier);
        });
    }

    @Test
    void failsAtStartupOnAMaxWorkersBelowOne() {
        contextRunner
                .withPropertyValues("pgnotify.max-workers=0")
                .run(context -> assertThat(context)
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("pgnotify.max-workers must be at least 1, got 0"));
    }

    @Configuration(proxyBeanMethods = false)
    static class Customizers {

        final Queue<PgNotifyReconnectedEvent> reconnects = new ConcurrentLinkedQueue<>();

        @Bean
        NotifierBuilderCustomizer renaming() {
            return builder -> builder.name("customized").reconnectJitter(0.1);
        }

        @Bean
        NotifierBuilderCustomizer replacingTheHooks() {
            return builder -> builder.listener(new NotifierListener() {});
        }

        @EventListener
        void onReconnected(PgNotifyReconnectedEvent event) {
            reconnects.add(event);
        }
    }
}
