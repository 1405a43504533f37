package io.pgnotify.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import io.pgnotify.core.Notifier;
import io.pgnotify.core.NotifierState;
import io.pgnotify.spring.PgListener;
import io.pgnotify.spring.PgNotifyTemplate;
import io.pgnotify.testing.TestDatabase;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.BeanInitializationException;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Applications with several DataSources, and with none (R2DBC): never a silent no-op. */
class PgNotifyDataSourcesTests {

    private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PgNotifyAutoConfiguration.class))
            .withPropertyValues("pgnotify.shutdown-timeout=5s")
            .withBean(Listener.class);

    @Test
    void failsAtStartupNamingTheListenersWhenSeveralDataSourcesLeaveNothingToServeThem() {
        contextRunner
                .withUserConfiguration(TwoDataSources.class)
                .run(context -> assertThat(context)
                        .getFailure()
                        .isInstanceOf(BeanInitializationException.class)
                        .hasMessageContaining("'Listener.receive' of bean")
                        .hasMessageContaining("@PgNotifyDataSource"));
    }

    @Test
    void publishesAndListensThroughTheDataSourceMarkedForIt() {
        contextRunner.withUserConfiguration(TwoDataSources.class, Marked.class).run(context -> {
            assertThat(context).hasNotFailed();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> context.getBean(Notifier.class).state() == NotifierState.LISTENING);
            context.getBean(PgNotifyTemplate.class).publish("ds-channel", "through-marked");
            Listener listener = context.getBean(Listener.class);
            await().atMost(Duration.ofSeconds(10)).until(() -> listener.received.contains("through-marked"));
            assertThat(context.getBean("marked", HikariDataSource.class).getHikariPoolMXBean())
                    .isNotNull();
            assertThat(context.getBean("first", HikariDataSource.class).getHikariPoolMXBean())
                    .isNull();
            assertThat(context.getBean("second", HikariDataSource.class).getHikariPoolMXBean())
                    .isNull();
        });
    }

    @Test
    void listensAndPublishesWithoutAnyJdbcDataSourceGivenOnlyTheListenerUrl() {
        TestDatabase db = TestDatabase.shared();
        contextRunner
                .withClassLoader(new FilteredClassLoader("com.zaxxer.hikari"))
                .withPropertyValues(
                        "pgnotify.listener.url=" + db.url(),
                        "pgnotify.listener.username=" + db.user(),
                        "pgnotify.listener.password=" + db.password())
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    await().atMost(Duration.ofSeconds(10))
                            .until(() -> context.getBean(Notifier.class).state() == NotifierState.LISTENING);
                    context.getBean(PgNotifyTemplate.class).publish("ds-channel", "no-jdbc-datasource");
                    Listener listener = context.getBean(Listener.class);
                    await().atMost(Duration.ofSeconds(10))
                            .until(() -> listener.received.contains("no-jdbc-datasource"));
                });
    }

    static HikariDataSource hikari(String name) {
        TestDatabase db = TestDatabase.shared();
        HikariDataSource dataSource = new HikariDataSource();
        dataSource.setPoolName(name);
        dataSource.setJdbcUrl(db.url());
        dataSource.setUsername(db.user());
        dataSource.setPassword(db.password());
        dataSource.setMaximumPoolSize(2);
        return dataSource;
    }

    static class Listener {

        final Queue<String> received = new ConcurrentLinkedQueue<>();

        @PgListener("ds-channel")
        void receive(String payload) {
            received.add(payload);
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class TwoDataSources {

        @Bean
        HikariDataSource first() {
            return hikari("first");
        }

        @Bean
        HikariDataSource second() {
            return hikari("second");
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Marked {

        @Bean
        @PgNotifyDataSource
        HikariDataSource marked() {
            return hikari("marked");
        }
    }
}
