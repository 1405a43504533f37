package io.pgnotify.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import io.pgnotify.core.Notifier;
import io.pgnotify.core.NotifierState;
import io.pgnotify.spring.PgListener;
import io.pgnotify.spring.PgNotifyOperations;
import io.pgnotify.spring.PgNotifyPublishListener;
import io.pgnotify.spring.PgNotifyTemplate;
import io.pgnotify.testing.TestDatabase;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.annotation.EnableTransactionManagement;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The template defers to a commit only when a transaction is active on its own DataSource: with two DataSources, a
 * transaction on the other one does not hold the notification back, and nothing is left uncommitted when the pool
 * turns auto-commit off.
 */
class PgNotifyTemplateTransactionTests {

    private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PgNotifyAutoConfiguration.class))
            .withPropertyValues(
                    "pgnotify.listener.url=" + TestDatabase.shared().url(),
                    "pgnotify.listener.username=" + TestDatabase.shared().user(),
                    "pgnotify.listener.password=" + TestDatabase.shared().password(),
                    "pgnotify.shutdown-timeout=5s")
            .withUserConfiguration(TwoDataSources.class);

    @Test
    void aTransactionOnAnotherDataSourceDoesNotDelayTheNotificationNorItsPublishListeners() {
        run(false, context -> {
            OtherDatabaseService service = context.getBean(OtherDatabaseService.class);
            Recorder recorder = context.getBean(Recorder.class);
            service.publishInOtherTransaction("committed", false);
            assertThat(service.publishedInside()).containsExactly("tx-other:1");
            awaitReceived(recorder, "committed");
        });
    }

    @Test
    void aRollbackOnAnotherDataSourceDoesNotTakeBackWhatWasSentAndSaysSoAtOnce() {
        run(false, context -> {
            OtherDatabaseService service = context.getBean(OtherDatabaseService.class);
            Recorder recorder = context.getBean(Recorder.class);
            try {
                service.publishInOtherTransaction("sent-anyway", true);
            } catch (IllegalStateException expected) {
                // rolled back
            }
            assertThat(recorder.published).containsExactly("tx-other:1");
            awaitReceived(recorder, "sent-anyway");
        });
    }

    @Test
    void commitsItsOwnNotificationWhenThePoolTurnsAutoCommitOffInsideATransactionOnAnotherDataSource() {
        run(true, context -> {
            OtherDatabaseService service = context.getBean(OtherDatabaseService.class);
            service.publishInOtherTransaction("not-lost", false);
            awaitReceived(context.getBean(Recorder.class), "not-lost");
        });
    }

    @Test
    void commitsItsOwnNotificationWhenThePoolTurnsAutoCommitOffWithoutATransaction() {
        run(true, context -> {
            context.getBean(PgNotifyOperations.class).publish("tx-other", "no-transaction");
            awaitReceived(context.getBean(Recorder.class), "no-transaction");
        });
    }

    @Test
    void stillDefersToTheCommitOfATransactionOnItsOwnDataSource() {
        run(true, context -> {
            Recorder recorder = context.getBean(Recorder.class);
            TransactionTemplate own =
                    new TransactionTemplate(context.getBean("transactionManager", PlatformTransactionManager.class));
            own.executeWithoutResult(status -> {
                context.getBean(PgNotifyTemplate.class).publish("tx-other", "at-commit");
                assertThat(recorder.published).isEmpty();
            });
            assertThat(recorder.published).containsExactly("tx-other:1");
            awaitReceived(recorder, "at-commit");
        });
    }

    private void run(boolean autoCommitOff, Consumer<AssertableApplicationContext> test) {
        contextRunner
                .withPropertyValues("test.auto-commit-off=" + autoCommitOff)
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    await().atMost(Duration.ofSeconds(10))
                            .until(() -> context.getBean(Notifier.class).state() == NotifierState.LISTENING);
                    test.accept(context);
                });
    }

    private static void awaitReceived(Recorder recorder, String payload) {
        await().atMost(Duration.ofSeconds(10)).until(() -> recorder.received.contains(payload));
    }

    static HikariDataSource dataSource(String name, boolean autoCommit) {
        HikariDataSource dataSource = new HikariDataSource();
        dataSource.setPoolName(name);
        dataSource.setJdbcUrl(TestDatabase.shared().url());
        dataSource.setUsername(TestDatabase.shared().user());
        dataSource.setPassword(TestDatabase.shared().password());
        dataSource.setMaximumPoolSize(3);
        dataSource.setAutoCommit(autoCommit);
        return dataSource;
    }

    @Configuration(proxyBeanMethods = false)
    @EnableTransactionManagement
    static class TwoDataSources {

        @Bean
        @Primary
        HikariDataSource dataSource(org.springframework.core.env.Environment environment) {
            return PgNotifyTemplateTransactionTests.dataSource(
                    "own", !environment.getProperty("test.auto-commit-off", Boolean.class, false));
        }

        @Bean(defaultCandidate = false)
        HikariDataSource otherDataSource() {
            return PgNotifyTemplateTransactionTests.dataSource("other", true);
        }

        @Bean
        @Primary
        DataSourceTransactionManager transactionManager(DataSource dataSource) {
            return new DataSourceTransactionManager(dataSource);
        }

        @Bean
        DataSourceTransactionManager otherTx() {
            return new DataSourceTransactionManager(otherDataSource());
        }

        @Bean
        Recorder recorder() {
            return new Recorder();
        }

        @Bean
        OtherDatabaseService otherDatabaseService(PgNotifyOperations template, Recorder recorder) {
            return new OtherDatabaseService(template, recorder);
        }
    }

    static class Recorder implements PgNotifyPublishListener {

        final Queue<String> received = new ConcurrentLinkedQueue<>();
        final Queue<String> published = new ConcurrentLinkedQueue<>();

        @PgListener("tx-other")
        void receive(String payload) {
            received.add(payload);
        }

        @Override
        public void onPublished(String channel, int count) {
            published.add(channel + ":" + count);
        }
    }

    static class OtherDatabaseService {

        private final PgNotifyOperations template;
        private final Recorder recorder;
        private final Queue<String> publishedInside = new ConcurrentLinkedQueue<>();

        OtherDatabaseService(PgNotifyOperations template, Recorder recorder) {
            this.template = template;
            this.recorder = recorder;
        }

        /** What the publish listeners had been told while the transaction on the other DataSource was running. */
        public Queue<String> publishedInside() {
            return publishedInside;
        }

        @Transactional("otherTx")
        public void publishInOtherTransaction(String payload, boolean fail) {
            template.publish("tx-other", payload);
            publishedInside.addAll(recorder.published);
            if (fail) {
                throw new IllegalStateException("roll back the other transaction");
            }
        }
    }
}
