package io.pgnotify.spring.modulith;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.pgnotify.core.durable.DurableMessage;
import io.pgnotify.spring.boot.autoconfigure.PgNotifyAutoConfiguration;
import io.pgnotify.spring.boot.autoconfigure.durable.PgNotifyDurableAutoConfiguration;
import io.pgnotify.spring.durable.PgDurableListener;
import io.pgnotify.testing.TestDatabase;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurationPackage;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.transaction.autoconfigure.TransactionAutoConfiguration;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.modulith.events.Externalized;
import org.springframework.modulith.events.config.EventExternalizationAutoConfiguration;
import org.springframework.transaction.annotation.EnableTransactionManagement;
import org.springframework.transaction.annotation.Transactional;

/**
 * End to end on the embedded PostgreSQL: an {@code @Externalized} event published in a {@code @Transactional} method
 * reaches a {@link PgDurableListener} once the transaction commits, and never when it rolls back.
 */
class PgDurableEventExternalizerTests {

    static final String CHANNEL = "modulith-orders";

    private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(
                    DataSourceAutoConfiguration.class,
                    DataSourceTransactionManagerAutoConfiguration.class,
                    TransactionAutoConfiguration.class,
                    JacksonAutoConfiguration.class,
                    PgNotifyAutoConfiguration.class,
                    PgNotifyDurableAutoConfiguration.class,
                    EventExternalizationAutoConfiguration.class,
                    PgNotifyModulithAutoConfiguration.class))
            .withPropertyValues(
                    "spring.datasource.url=" + TestDatabase.shared().url(),
                    "spring.datasource.username=" + TestDatabase.shared().user(),
                    "spring.datasource.password=" + TestDatabase.shared().password(),
                    "pgnotify.shutdown-timeout=5s",
                    // A new group starts after what earlier runs left on the channel.
                    "test.group=shipping-" + UUID.randomUUID().toString().substring(0, 8))
            .withUserConfiguration(Application.class);

    @BeforeAll
    static void table() {
        TestDatabase.shared().execute("CREATE TABLE IF NOT EXISTS modulith_order (id text PRIMARY KEY)");
    }

    @Test
    void anExternalizedEventArrivesWhenItsTransactionCommitsAndNeverWhenItRollsBack() {
        contextRunner.run(context -> {
            assertThat(context).hasSingleBean(PgDurableEventExternalizer.class);
            Orders orders = context.getBean(Orders.class);
            Shipping shipping = context.getBean(Shipping.class);
            String run = UUID.randomUUID().toString().substring(0, 8);

            orders.place(run + "-committed", false);
            assertThatThrownBy(() -> orders.place(run + "-rolled-back", true))
                    .isInstanceOf(IllegalStateException.class);
            orders.place(run + "-after", false);

            // One channel, in commit order: once the later event is here, the rolled-back one is never coming.
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> shipping.received.stream().anyMatch(e -> e.id().equals(run + "-after")));
            assertThat(shipping.received)
                    .extracting(OrderPlaced::id)
                    .containsExactly(run + "-committed", run + "-after");
            assertThat(shipping.messages)
                    .extracting(DurableMessage::key)
                    .containsExactly(run + "-committed", run + "-after");
            assertThat(context.getBean(JdbcTemplate.class)
                            .queryForList("SELECT id FROM modulith_order WHERE id LIKE ?", String.class, run + "%"))
                    .containsExactlyInAnyOrder(run + "-committed", run + "-after");
        });
    }

    @Test
    void eventsThatAreNotExternalizedStayInTheApplication() {
        contextRunner.run(context -> {
            String marker = "internal-" + UUID.randomUUID();
            context.publishEvent(new Internal(marker));
            assertThat(context.getBean(JdbcTemplate.class)
                            .queryForObject(
                                    "SELECT count(*) FROM pgnotify.durable_message WHERE payload LIKE ?",
                                    Long.class,
                                    "%" + marker + "%"))
                    .isZero();
        });
    }

    @Test
    void itCanBeSwitchedOff() {
        contextRunner
                .withPropertyValues("pgnotify.modulith.externalization.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean(PgDurableEventExternalizer.class));
    }

    @Externalized(CHANNEL + "::#{id()}")
    record OrderPlaced(String id, String item) {}

    record Internal(String id) {}

    @Configuration(proxyBeanMethods = false)
    @EnableTransactionManagement
    @AutoConfigurationPackage
    static class Application {

        @Bean
        JdbcTemplate jdbcTemplate(javax.sql.DataSource dataSource) {
            return new JdbcTemplate(dataSource);
        }

        @Bean
        Orders orders(JdbcTemplate jdbc, ApplicationEventPublisher events) {
            return new Orders(jdbc, events);
        }

        @Bean
        Shipping shipping() {
            return new Shipping();
        }
    }

    static class Orders {
        private final JdbcTemplate jdbc;
        private final ApplicationEventPublisher events;

        Orders(JdbcTemplate jdbc, ApplicationEventPublisher events) {
            this.jdbc = jdbc;
            this.events = events;
        }

        @Transactional
        public void place(String id, boolean fail) {
            jdbc.update("INSERT INTO modulith_order (id) VALUES (?)", id);
            events.publishEvent(new OrderPlaced(id, "book"));
            if (fail) {
                throw new IllegalStateException("payment declined for " + id);
            }
        }
    }

    static class Shipping {
        final Queue<OrderPlaced> received = new ConcurrentLinkedQueue<>();
        final List<DurableMessage> messages = new java.util.concurrent.CopyOnWriteArrayList<>();

        @PgDurableListener(channel = CHANNEL, group = "${test.group}")
        public void ship(OrderPlaced event, DurableMessage message) {
            received.add(event);
            messages.add(message);
        }
    }
}
