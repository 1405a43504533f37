package io.pgnotify.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.pgnotify.core.Notifier;
import io.pgnotify.core.NotifierState;
import io.pgnotify.spring.PgListener;
import io.pgnotify.spring.PgNotifyReconnectedEvent;
import io.pgnotify.spring.PgNotifyTemplate;
import io.pgnotify.spring.boot.autoconfigure.metrics.PgNotifyMetricsAutoConfiguration;
import io.pgnotify.spring.metrics.PgNotifyMetrics;
import io.pgnotify.testing.TestDatabase;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;

/** A Notifier bean of the application's own, built from the auto-configured builder, loses none of the features. */
class OwnNotifierTests {

    private final ApplicationContextRunner contextRunner = TestApplications.onTestDatabase()
            .withConfiguration(AutoConfigurations.of(PgNotifyMetricsAutoConfiguration.class))
            .withBean(SimpleMeterRegistry.class, SimpleMeterRegistry::new)
            .withPropertyValues("pgnotify.listener.application-name=pgnotify-own-notifier")
            .withUserConfiguration(OwnNotifier.class);

    @Test
    void keepsTheStartupGateTheMetricsAndTheReconnectEvent() {
        contextRunner.run(context -> {
            assertThat(context).hasNotFailed();
            Notifier notifier = context.getBean(Notifier.class);
            assertThat(notifier.name()).isEqualTo("own");
            // The startup gate held the end of the refresh until listening.
            assertThat(notifier.state()).isEqualTo(NotifierState.LISTENING);

            OwnNotifier own = context.getBean(OwnNotifier.class);
            MeterRegistry meters = context.getBean(MeterRegistry.class);
            context.getBean(PgNotifyMetrics.class).bindTo(meters);
            context.getBean(PgNotifyTemplate.class).publish("own-channel", "counted");
            await().atMost(Duration.ofSeconds(10)).until(() -> own.received.contains("counted"));
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                Counter received = meters.find(PgNotifyMetrics.RECEIVED).counter();
                return received != null && received.count() >= 1;
            });

            TestDatabase.shared()
                    .execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                            + " WHERE application_name = 'pgnotify-own-notifier'");
            await().atMost(Duration.ofSeconds(15)).until(() -> !own.reconnects.isEmpty());
            assertThat(own.reconnects.peek().notifier()).isSameAs(notifier);
        });
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnNotifier {

        final Queue<String> received = new ConcurrentLinkedQueue<>();
        final Queue<PgNotifyReconnectedEvent> reconnects = new ConcurrentLinkedQueue<>();

        @Bean
        Notifier ownNotifier(Notifier.Builder builder) {
            return builder.name("own").maxWorkers(2).build();
        }

        @PgListener("own-channel")
        void receive(String payload) {
            received.add(payload);
        }

        @EventListener
        void onReconnected(PgNotifyReconnectedEvent event) {
            reconnects.add(event);
        }
    }
}
