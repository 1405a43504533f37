package io.pgnotify.spring.boot.autoconfigure.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgnotify.core.Notifier;
import io.pgnotify.spring.boot.autoconfigure.metrics.ObservedApplications;
import io.pgnotify.spring.health.PgNotifyHealthIndicator;
import java.sql.SQLException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

class PgNotifyHealthAutoConfigurationTests {

    private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PgNotifyHealthAutoConfiguration.class))
            .withBean(
                    Notifier.class,
                    () -> Notifier.builder(() -> {
                                throw new SQLException("not used");
                            })
                            .build());

    @Test
    void contributesTheHealthOfTheNotifierAsPgnotify() {
        contextRunner.run(context ->
                assertThat(context).hasSingleBean(PgNotifyHealthIndicator.class).hasBean("pgnotifyHealthIndicator"));
    }

    @Test
    void isDisabledByProperty() {
        contextRunner
                .withPropertyValues("management.health.pgnotify.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean(PgNotifyHealthIndicator.class));
    }

    @Test
    void backsOffWithoutANotifier() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(PgNotifyHealthAutoConfiguration.class))
                .run(context -> assertThat(context).doesNotHaveBean(PgNotifyHealthIndicator.class));
    }

    @Test
    void backsOffWhenItCannotTellWhichNotifierToReportOn() {
        contextRunner
                .withBean(
                        "otherNotifier",
                        Notifier.class,
                        () -> Notifier.builder(() -> {
                                    throw new SQLException("not used");
                                })
                                .build())
                .run(context -> assertThat(context).doesNotHaveBean(PgNotifyHealthIndicator.class));
    }

    @Test
    void backsOffWithoutSpringBootHealth() {
        contextRunner
                .withClassLoader(new FilteredClassLoader(ConditionalOnEnabledHealthIndicator.class))
                .run(context -> assertThat(context).doesNotHaveBean(PgNotifyHealthIndicator.class));
    }

    @Test
    void isUpOnceTheStartersNotifierListens() {
        ObservedApplications.onTestDatabase().run(context -> {
            PgNotifyHealthIndicator health = context.getBean("pgnotifyHealthIndicator", PgNotifyHealthIndicator.class);
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> health.health().getStatus().equals(Status.UP));
        });
    }
}
