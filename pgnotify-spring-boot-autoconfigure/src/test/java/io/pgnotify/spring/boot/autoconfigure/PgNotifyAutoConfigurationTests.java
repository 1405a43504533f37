package io.pgnotify.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgnotify.core.Notifier;
import io.pgnotify.core.NotifierState;
import io.pgnotify.core.OverflowPolicy;
import io.pgnotify.spring.PgListenerAnnotationBeanPostProcessor;
import io.pgnotify.spring.PgListenerEndpointRegistry;
import io.pgnotify.spring.PgNotifyTemplate;
import io.pgnotify.spring.PgPayloadConverter;
import io.pgnotify.testing.TestDatabase;
import java.lang.reflect.Type;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

class PgNotifyAutoConfigurationTests {

    private final ApplicationContextRunner contextRunner = TestApplications.onTestDatabase();

    @Test
    void providesTheNotifierTheRegistryTheTemplateAndAJsonConverter() {
        contextRunner.run(context -> {
            assertThat(context).hasSingleBean(Notifier.class);
            assertThat(context).hasBean("pgNotifier");
            assertThat(context).hasSingleBean(PgListenerEndpointRegistry.class);
            assertThat(context).hasSingleBean(PgNotifyTemplate.class);
            assertThat(context).hasSingleBean(PgPayloadConverter.class);
            assertThat(context).hasSingleBean(PgListenerAnnotationBeanPostProcessor.class);
            assertThat(context).hasSingleBean(PgNotifyProperties.class);
        });
    }

    @Test
    void isListeningOnceTheContextIsRefreshed() {
        contextRunner.run(context -> {
            assertThat(context.getBean(Notifier.class).state()).isEqualTo(NotifierState.LISTENING);
            assertThat(context.getBean(PgListenerEndpointRegistry.class).isRunning())
                    .isTrue();
        });
    }

    @Test
    void startsWithinThePingTimeoutWhenTheDatabaseCannotBeReached() {
        long start = System.nanoTime();
        contextRunner
                .withPropertyValues(
                        "pgnotify.listener.url=jdbc:postgresql://127.0.0.1:1/nowhere?connectTimeout=1",
                        "pgnotify.ping-timeout=500ms")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(Notifier.class).state())
                            .isIn(NotifierState.CONNECTING, NotifierState.RECONNECTING);
                });
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void backsOffWhenDisabled() {
        contextRunner.withPropertyValues("pgnotify.enabled=false").run(context -> {
            assertThat(context).doesNotHaveBean(Notifier.class);
            assertThat(context).doesNotHaveBean(PgNotifyTemplate.class);
            assertThat(context).doesNotHaveBean(PgListenerAnnotationBeanPostProcessor.class);
        });
    }

    @Test
    void backsOffWithoutADataSource() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(PgNotifyAutoConfiguration.class))
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context).doesNotHaveBean(Notifier.class);
                    assertThat(context).doesNotHaveBean(PgNotifyTemplate.class);
                });
    }

    @Test
    void backsOffWithoutThePostgresqlDriver() {
        contextRunner
                .withClassLoader(new FilteredClassLoader("org.postgresql."))
                .withUserConfiguration(PlainDataSource.class)
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context).doesNotHaveBean(Notifier.class);
                });
    }

    @Test
    void backsOffWhenTheDataSourceIsAmbiguous() {
        contextRunner.withUserConfiguration(TwoDataSources.class).run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context).doesNotHaveBean(Notifier.class);
        });
    }

    @Test
    void leavesOutTheJsonConverterWithoutJackson() {
        contextRunner
                .withClassLoader(new FilteredClassLoader("tools.jackson.databind"))
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context).doesNotHaveBean(PgPayloadConverter.class);
                    assertThat(context).hasSingleBean(PgNotifyTemplate.class);
                });
    }

    @Test
    void backsOffFromEveryBeanTheApplicationDefines() {
        contextRunner.withUserConfiguration(OwnBeans.class).run(context -> {
            assertThat(context).getBean(Notifier.class).isSameAs(context.getBean(OwnBeans.class).notifier);
            assertThat(context).getBean(PgNotifyTemplate.class).isSameAs(OwnBeans.TEMPLATE);
            assertThat(context).getBean(PgPayloadConverter.class).isSameAs(OwnBeans.CONVERTER);
            assertThat(context).getBean(PgListenerEndpointRegistry.class).isSameAs(OwnBeans.registry);
        });
    }

    @Test
    void bindsEveryProperty() {
        contextRunner
                .withPropertyValues(
                        "pgnotify.listener.url=" + TestDatabase.shared().url(),
                        "pgnotify.listener.username=" + TestDatabase.shared().user(),
                        "pgnotify.listener.password=" + TestDatabase.shared().password(),
                        "pgnotify.listener.application-name=bound-listener",
                        "pgnotify.reconnect.initial-interval=2s",
                        "pgnotify.reconnect.max-interval=1m",
                        "pgnotify.reconnect.multiplier=1.5",
                        "pgnotify.reconnect.max-attempts=7",
                        "pgnotify.ping-interval=15s",
                        "pgnotify.ping-timeout=3s",
                        "pgnotify.callback-timeout=45s",
                        "pgnotify.buffer-size=250",
                        "pgnotify.overflow-policy=drop-oldest",
                        "pgnotify.max-payload-size=1000",
                        "pgnotify.shutdown-timeout=20s")
                .run(context -> {
                    PgNotifyProperties properties = context.getBean(PgNotifyProperties.class);
                    assertThat(properties.getListener().getUrl())
                            .isEqualTo(TestDatabase.shared().url());
                    assertThat(properties.getListener().getUsername())
                            .isEqualTo(TestDatabase.shared().user());
                    assertThat(properties.getListener().getPassword())
                            .isEqualTo(TestDatabase.shared().password());
                    assertThat(properties.getListener().getApplicationName()).isEqualTo("bound-listener");
                    assertThat(properties.getReconnect().getInitialInterval()).isEqualTo(Duration.ofSeconds(2));
                    assertThat(properties.getReconnect().getMaxInterval()).isEqualTo(Duration.ofMinutes(1));
                    assertThat(properties.getReconnect().getMultiplier()).isEqualTo(1.5);
                    assertThat(properties.getReconnect().getMaxAttempts()).isEqualTo(7);
                    assertThat(properties.getPingInterval()).isEqualTo(Duration.ofSeconds(15));
                    assertThat(properties.getPingTimeout()).isEqualTo(Duration.ofSeconds(3));
                    assertThat(properties.getCallbackTimeout()).isEqualTo(Duration.ofSeconds(45));
                    assertThat(properties.getBufferSize()).isEqualTo(250);
                    assertThat(properties.getOverflowPolicy()).isEqualTo(OverflowPolicy.DROP_OLDEST);
                    assertThat(properties.getMaxPayloadSize()).isEqualTo(1000);
                    assertThat(properties.getShutdownTimeout()).isEqualTo(Duration.ofSeconds(20));
                });
    }

    @Test
    void hasTheDocumentedDefaults() {
        PgNotifyProperties properties = new PgNotifyProperties();
        assertThat(properties.isEnabled()).isTrue();
        assertThat(properties.getListener().getUrl()).isNull();
        assertThat(properties.getListener().getApplicationName()).isEqualTo("pgnotify-listener");
        assertThat(properties.getReconnect().getInitialInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(properties.getReconnect().getMaxInterval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(properties.getReconnect().getMultiplier()).isEqualTo(2.0);
        assertThat(properties.getReconnect().getMaxAttempts()).isZero();
        assertThat(properties.getPingInterval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(properties.getPingTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(properties.getCallbackTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(properties.getBufferSize()).isEqualTo(100);
        assertThat(properties.getOverflowPolicy()).isEqualTo(OverflowPolicy.BLOCK);
        assertThat(properties.getMaxPayloadSize()).isEqualTo(7999);
        assertThat(properties.getShutdownTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(properties.getMaxWorkers()).isNull();
        assertThat(properties.getListener().isAutoStartup()).isTrue();
        assertThat(properties.getListener().getPhase()).isEqualTo(Integer.MAX_VALUE - 4096);
        assertThat(properties.getListener().getProperties()).isEmpty();
        assertThat(properties.getListener().getRetry().getMaxRetries()).isZero();
        assertThat(properties.getListener().getRetry().getDelay()).isEqualTo(Duration.ofMillis(100));
        assertThat(properties.getListener().getRetry().getMultiplier()).isEqualTo(1.0);
        assertThat(properties.getListener().getRetry().getMaxDelay()).isEqualTo(Duration.ofSeconds(5));
        assertThat(properties.getListener().getRetry().getJitter()).isZero();
    }

    @Test
    void failsAtStartupNamingAnInvalidProperty() {
        assertStartupFails("pgnotify.buffer-size=0", "pgnotify.buffer-size must be at least 1, got 0");
        assertStartupFails("pgnotify.max-payload-size=8000", "pgnotify.max-payload-size must be between 1 and 7999");
        assertStartupFails("pgnotify.ping-interval=0s", "pgnotify.ping-interval must be positive");
        assertStartupFails("pgnotify.ping-timeout=-1s", "pgnotify.ping-timeout must be positive");
        assertStartupFails("pgnotify.callback-timeout=0s", "pgnotify.callback-timeout must be positive");
        assertStartupFails("pgnotify.shutdown-timeout=-1s", "pgnotify.shutdown-timeout must not be negative");
        assertStartupFails("pgnotify.reconnect.initial-interval=0s", "pgnotify.reconnect.initial-interval");
        assertStartupFails("pgnotify.reconnect.max-interval=10ms", "pgnotify.reconnect.max-interval");
        assertStartupFails("pgnotify.reconnect.multiplier=0.5", "pgnotify.reconnect.multiplier must be at least 1.0");
        assertStartupFails("pgnotify.reconnect.max-attempts=-1", "pgnotify.reconnect.max-attempts");
        assertStartupFails("pgnotify.listener.url=jdbc:mysql://db/x", "pgnotify.listener.url must start with");
        assertStartupFails(
                "pgnotify.listener.application-name=" + "x".repeat(64),
                "pgnotify.listener.application-name must be at most 63 bytes");
    }

    @Test
    void neverShowsTheListenerPasswordInAnError() {
        contextRunner
                .withPropertyValues("pgnotify.listener.url=jdbc:mysql://db/x?password=s3cret")
                .run(context -> assertThat(context)
                        .getFailure()
                        .satisfies(failure -> assertThat(stackTraceOf(failure)).doesNotContain("s3cret")));
    }

    @Test
    void listensOnTheListenerUrlWithItsOwnApplicationName() {
        TestDatabase db = TestDatabase.shared();
        contextRunner
                .withPropertyValues(
                        "spring.datasource.url=jdbc:postgresql://127.0.0.1:1/nowhere",
                        "pgnotify.listener.url=" + db.url(),
                        "pgnotify.listener.username=" + db.user(),
                        "pgnotify.listener.password=" + db.password(),
                        "pgnotify.listener.application-name=pgnotify-own-url")
                .run(context -> {
                    await().atMost(Duration.ofSeconds(10))
                            .until(() -> context.getBean(Notifier.class).state() == NotifierState.LISTENING);
                    assertThat(sessionsNamed("pgnotify-own-url")).isEqualTo(1);
                });
    }

    @Test
    void needsAListenerUrlWhenTheApplicationsOwnDataSourceHasNoConnectionDetails() {
        contextRunner
                .withUserConfiguration(OwnDataSource.class)
                .run(context -> assertThat(context)
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("pgnotify.listener.url must be set"));
    }

    @Test
    void listensBesideTheApplicationsOwnDataSourceOnTheListenerUrl() {
        TestDatabase db = TestDatabase.shared();
        contextRunner
                .withUserConfiguration(OwnDataSource.class)
                .withPropertyValues(
                        "pgnotify.listener.url=" + db.url(),
                        "pgnotify.listener.username=" + db.user(),
                        "pgnotify.listener.password=" + db.password())
                .run(context -> await().atMost(Duration.ofSeconds(10))
                        .until(() -> context.getBean(Notifier.class).state() == NotifierState.LISTENING));
    }

    @Test
    void capsTheShutdownTimeoutAtTheLifecyclePhaseTimeout() {
        contextRunner
                .withPropertyValues("pgnotify.shutdown-timeout=1m", "spring.lifecycle.timeout-per-shutdown-phase=3s")
                .run(context -> assertThat(context.getBean(PgListenerEndpointRegistry.class))
                        .extracting("shutdownTimeout")
                        .isEqualTo(Duration.ofSeconds(3)));
    }

    static int sessionsNamed(String applicationName) throws Exception {
        try (Connection connection = TestDatabase.shared().connect();
                PreparedStatement statement = connection.prepareStatement(
                        "SELECT count(*) FROM pg_stat_activity WHERE application_name = ?")) {
            statement.setString(1, applicationName);
            try (ResultSet result = statement.executeQuery()) {
                result.next();
                return result.getInt(1);
            }
        }
    }

    private void assertStartupFails(String property, String message) {
        contextRunner
                .withPropertyValues(property)
                .run(context -> assertThat(context)
                        .getFailure()
                        .satisfies(failure -> assertThat(stackTraceOf(failure)).contains(message)));
    }

    private static String stackTraceOf(Throwable failure) {
        List<String> messages = new ArrayList<>();
        for (Throwable t = failure; t != null; t = t.getCause()) {
            messages.add(String.valueOf(t.getMessage()));
        }
        return String.join("\n", messages);
    }

    @Configuration(proxyBeanMethods = false)
    static class PlainDataSource {

        @Bean
        DataSource dataSource() {
            return new DriverManagerDataSource("jdbc:h2:mem:none");
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class TwoDataSources {

        @Bean
        DataSource first() {
            return new DriverManagerDataSource("jdbc:postgresql://127.0.0.1:1/first");
        }

        @Bean
        DataSource second() {
            return new DriverManagerDataSource("jdbc:postgresql://127.0.0.1:1/second");
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnDataSource {

        @Bean
        DataSource dataSource() {
            TestDatabase db = TestDatabase.shared();
            return new DriverManagerDataSource(db.url(), db.user(), db.password());
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnBeans {

        static final PgPayloadConverter CONVERTER = new PgPayloadConverter() {
            @Override
            public String toPayload(Object value) {
                return value.toString();
            }

            @Override
            public Object fromPayload(String payload, Type targetType) {
                return payload;
            }
        };

        static final PgNotifyTemplate TEMPLATE =
                PgNotifyTemplate.builder(new DriverManagerDataSource()).build();

        static PgListenerEndpointRegistry registry;

        final Notifier notifier = Notifier.builder(() -> TestDatabase.shared().connect())
                .name("own")
                .build();

        @Bean
        Notifier ownNotifier() {
            return notifier;
        }

        @Bean
        PgNotifyTemplate ownTemplate() {
            return TEMPLATE;
        }

        @Bean
        PgPayloadConverter ownConverter() {
            return CONVERTER;
        }

        @Bean
        PgListenerEndpointRegistry ownRegistry(Notifier notifier) {
            registry = new PgListenerEndpointRegistry(notifier, Duration.ofSeconds(1));
            return registry;
        }
    }
}
