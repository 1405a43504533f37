package io.pgnotify.spring.boot.autoconfigure.durable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgnotify.spring.PgNotifyTemplate;
import io.pgnotify.spring.durable.PgDurableListener;
import io.pgnotify.testing.TestDatabase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.annotation.EnableTransactionManagement;
import org.springframework.transaction.annotation.Transactional;

/** {@code @PgDurableListener(batch = true)}: a batch and its acknowledgement in one transaction. */
class PgDurableBatchListenerTests {

    private final ApplicationContextRunner contextRunner = PgDurableListenerTests.onDatabase(
                    TestDatabase.shared().url())
            .withPropertyValues(
                    "pgnotify.durable.initialize-schema=always",
                    "pgnotify.durable.start-from=earliest",
                    "pgnotify.durable.batch-size=20",
                    "spring.application.name=batches",
                    "test.channel=db-" + UUID.randomUUID().toString().substring(0, 8));

    @BeforeAll
    static void table() {
        TestDatabase.shared().execute("CREATE TABLE IF NOT EXISTS durable_batch_order (channel text, id bigint)");
    }

    @Test
    void aTransactionalBatchMethodGetsTheMessagesInBatchesAndCommitsEachWithItsAcknowledgement() {
        contextRunner.withUserConfiguration(Batches.class).run(context -> {
            String channel = context.getEnvironment().getProperty("test.channel");
            // Published before the listener reads, in one transaction: they are read in batches of 20.
            List<Order> orders = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                orders.add(new Order(i));
            }
            context.getBean(PgNotifyTemplate.class).publishAllDurable(channel, orders);
            JdbcTemplate jdbc = context.getBean(JdbcTemplate.class);
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> jdbc.queryForObject(
                                    "SELECT count(*) FROM durable_batch_order WHERE channel = ?", Long.class, channel)
                            == 50);
            assertThat(jdbc.queryForList(
                            "SELECT id FROM durable_batch_order WHERE channel = ? ORDER BY id", Long.class, channel))
                    .doesNotHaveDuplicates();
            Batches batches = context.getBean(Batches.class);
            assertThat(batches.sizes.stream().mapToInt(Integer::intValue).sum()).isEqualTo(50);
            assertThat(batches.sizes).allSatisfy(size -> assertThat(size).isLessThanOrEqualTo(20));
            assertThat(batches.sizes).anySatisfy(size -> assertThat(size).isGreaterThan(1));
        });
    }

    @Test
    void aBatchMethodThatIsNotTransactionalFailsTheStartup() {
        contextRunner
                .withUserConfiguration(Untransactional.class)
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .hasMessageContaining("'Plain.orders' of bean 'plain'")
                        .hasMessageContaining("must be @Transactional on the application's DataSource"));
    }

    record Order(long id) {}

    @Configuration(proxyBeanMethods = false)
    @EnableTransactionManagement
    static class Batches {
        final Queue<Integer> sizes = new ConcurrentLinkedQueue<>();

        @Bean
        JdbcTemplate jdbcTemplate(javax.sql.DataSource dataSource) {
            return new JdbcTemplate(dataSource);
        }

        @Bean
        Handler handler(JdbcTemplate jdbc, org.springframework.core.env.Environment environment) {
            return new Handler(this, jdbc, environment.getProperty("test.channel"));
        }
    }

    static class Handler {
        private final Batches batches;
        private final JdbcTemplate jdbc;
        private final String channel;

        Handler(Batches batches, JdbcTemplate jdbc, String channel) {
            this.batches = batches;
            this.jdbc = jdbc;
            this.channel = channel;
        }

        @Transactional
        @PgDurableListener(channel = "${test.channel}", batch = true)
        public void orders(List<Order> orders) {
            batches.sizes.add(orders.size());
            for (Order order : orders) {
                jdbc.update("INSERT INTO durable_batch_order (channel, id) VALUES (?, ?)", channel, order.id());
            }
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Untransactional {
        @Bean
        Plain plain() {
            return new Plain();
        }
    }

    static class Plain {
        @PgDurableListener(channel = "${test.channel}", batch = true)
        public void orders(List<String> orders) {}
    }
}
