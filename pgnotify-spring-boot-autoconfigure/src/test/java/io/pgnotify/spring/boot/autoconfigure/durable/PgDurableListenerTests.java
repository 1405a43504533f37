package io.pgnotify.spring.boot.autoconfigure.durable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.pgnotify.core.durable.DurableChannels;
import io.pgnotify.core.durable.DurableMessage;
import io.pgnotify.spring.PgNotifyTemplate;
import io.pgnotify.spring.boot.autoconfigure.PgNotifyAutoConfiguration;
import io.pgnotify.spring.durable.PgDurableListener;
import io.pgnotify.testing.PrivateDatabase;
import io.pgnotify.testing.TestDatabase;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.transaction.autoconfigure.TransactionAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.annotation.EnableTransactionManagement;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionTemplate;

/** {@link PgDurableListener} methods and durable publishing in a full application context on a real PostgreSQL. */
class PgDurableListenerTests {

    /**
     * Per test (JUnit makes an instance per test): a group that already exists resumes from its position, so a message
     * an earlier test's context handled but had not acknowledged when it closed is delivered again, at least once.
     */
    private final String run = UUID.randomUUID().toString().substring(0, 8);

    private final ApplicationContextRunner contextRunner = onDatabase(
                    TestDatabase.shared().url())
            .withPropertyValues(
                    "pgnotify.durable.initialize-schema=always",
                    "pgnotify.durable.start-from=earliest",
                    "pgnotify.durable.retry-backoff.initial=20ms",
                    "pgnotify.durable.max-attempts=3",
                    "spring.application.name=billing",
                    "test.channel=dl-orders-" + run,
                    "test.run=" + run)
            .withConfiguration(org.springframework.boot.autoconfigure.AutoConfigurations.of(
                    io.pgnotify.spring.boot.autoconfigure.health.PgNotifyHealthAutoConfiguration.class,
                    io.pgnotify.spring.boot.autoconfigure.endpoint.PgNotifyEndpointAutoConfiguration.class))
            .withPropertyValues("management.endpoints.web.exposure.include=pgnotify")
            .withUserConfiguration(Listeners.class);

    @BeforeAll
    static void table() {
        TestDatabase.shared().execute("CREATE TABLE IF NOT EXISTS durable_spring_work (id bigint, payload text)");
    }

    static ApplicationContextRunner onDatabase(String url) {
        TestDatabase db = TestDatabase.shared();
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(
                        DataSourceAutoConfiguration.class,
                        DataSourceTransactionManagerAutoConfiguration.class,
                        TransactionAutoConfiguration.class,
                        JacksonAutoConfiguration.class,
                        PgNotifyAutoConfiguration.class,
                        PgNotifyDurableAutoConfiguration.class))
                .withPropertyValues(
                        "spring.datasource.url=" + url,
                        "spring.datasource.username=" + db.user(),
                        "spring.datasource.password=" + db.password(),
                        "spring.datasource.hikari.maximum-pool-size=6",
                        "pgnotify.shutdown-timeout=5s");
    }

    @Test
    void deliversStringsJsonAndTheMessageToEveryGroupInOrder() {
        contextRunner.run(context -> {
            assertThat(context).hasNotFailed();
            Listeners listeners = context.getBean(Listeners.class);
            PgNotifyTemplate template = context.getBean(PgNotifyTemplate.class);
            String channel = "dl-orders-" + run;
            template.publishDurable(channel, new Order(1, "first"));
            template.publishDurable(channel, "order-2", new Order(2, "second"));
            template.publishAllDurable(channel, List.of(new Order(3, "third"), new Order(4, "fourth")));
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> listeners.orders.size() == 4 && listeners.messages.size() == 4);
            assertThat(listeners.orders).extracting(Order::id).containsExactly(1L, 2L, 3L, 4L);
            assertThat(listeners.messages).extracting(DurableMessage::key).containsExactly(null, "order-2", null, null);
            assertThat(listeners.messages)
                    .allSatisfy(m -> assertThat(m.attempt()).isEqualTo(1));
        });
    }

    @Test
    void aMessagePublishedInARolledBackTransactionIsNeverDelivered() {
        contextRunner.run(context -> {
            Listeners listeners = context.getBean(Listeners.class);
            PgNotifyTemplate template = context.getBean(PgNotifyTemplate.class);
            TransactionTemplate transactions = context.getBean(TransactionTemplate.class);
            String channel = "dl-orders-" + run;
            transactions.executeWithoutResult(status -> {
                template.publishDurable(channel, new Order(10, "rolled back"));
                status.setRollbackOnly();
            });
            transactions.executeWithoutResult(status -> template.publishDurable(channel, new Order(11, "kept")));
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> listeners.orders.stream().anyMatch(o -> o.id() == 11));
            assertThat(listeners.orders).extracting(Order::id).doesNotContain(10L);
        });
    }

    @Test
    void aTransactionalHandlersWorkCommitsOnceWithItsAcknowledgementAcrossAFailure() {
        contextRunner.run(context -> {
            Listeners listeners = context.getBean(Listeners.class);
            PgNotifyTemplate template = context.getBean(PgNotifyTemplate.class);
            JdbcTemplate jdbc = context.getBean(JdbcTemplate.class);
            String channel = "dl-work-" + run;
            long id = template.publishDurable(channel, "fail-once");
            await().atMost(Duration.ofSeconds(20)).until(() -> listeners.workAttempts.size() == 2);
            assertThat(listeners.workAttempts).containsExactly(1, 2);
            assertThat(jdbc.queryForObject("SELECT count(*) FROM durable_spring_work WHERE id = ?", Long.class, id))
                    .isEqualTo(1);
            assertThat(context.getBean(DurableChannels.class).groups())
                    .filteredOn(g -> g.channel().equals(channel))
                    .singleElement()
                    .satisfies(g -> assertThat(g.position()).isEqualTo(id));
        });
    }

    @Test
    void metersCountDeliveriesAndShowEachGroupsLag() {
        contextRunner.withBean(MeterRegistry.class, SimpleMeterRegistry::new).run(context -> {
            MeterRegistry meters = context.getBean(MeterRegistry.class);
            context.getBean(io.pgnotify.spring.durable.PgDurableMetrics.class).bindTo(meters);
            String channel = "dl-orders-" + run;
            context.getBean(PgNotifyTemplate.class).publishDurable(channel, new Order(20, "metered"));
            await().atMost(Duration.ofSeconds(20))
                    .untilAsserted(() -> assertThat(meters.find("pgnotify.durable.delivered")
                                    .tags("channel", channel, "group", "billing")
                                    .counter())
                            .isNotNull());
            context.getBean(io.pgnotify.spring.durable.PgDurableMetrics.class).refresh();
            assertThat(meters.find("pgnotify.durable.lag")
                            .tags("channel", channel, "group", "billing")
                            .gauge())
                    .isNotNull();
        });
    }

    @Test
    void theHealthComponentAndTheEndpointShowEachGroupsPositionLagAndOwner() {
        contextRunner.run(context -> {
            String channel = "dl-orders-" + run;
            long id = context.getBean(PgNotifyTemplate.class).publishDurable(channel, new Order(30, "healthy"));
            io.pgnotify.spring.health.PgNotifyHealthIndicator health =
                    context.getBean("pgnotifyHealthIndicator", io.pgnotify.spring.health.PgNotifyHealthIndicator.class);
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                @SuppressWarnings("unchecked")
                var durable = (java.util.Map<String, Object>)
                        health.health().getDetails().get("durable");
                assertThat(durable).containsEntry("status", "UP");
                @SuppressWarnings("unchecked")
                var groups = (java.util.Map<String, java.util.Map<String, Object>>) durable.get("groups");
                assertThat(groups).containsKey(channel + "/billing");
                assertThat(groups.get(channel + "/billing"))
                        .containsEntry("position", id)
                        .containsEntry("lag", 0L)
                        .containsEntry("deadLetters", 0L)
                        .containsEntry(
                                "owner", context.getBean(DurableChannels.class).instance());
            });
            var endpoint = context.getBean(io.pgnotify.spring.endpoint.PgNotifyEndpoint.class);
            assertThat(endpoint.describe().durable().groups())
                    .filteredOn(group ->
                            group.channel().equals(channel) && group.group().equals("billing"))
                    .singleElement()
                    .satisfies(group -> {
                        assertThat(group.position()).isEqualTo(id);
                        assertThat(group.lag()).isZero();
                    });
        });
    }

    @Test
    void aPayloadThatCannotBeConvertedIsDeadLetteredListedAndReDrivenThroughTheEndpoint() {
        contextRunner.run(context -> {
            String channel = "dl-orders-" + run;
            PgNotifyTemplate template = context.getBean(PgNotifyTemplate.class);
            long poison = template.publishDurable(channel, "not json");
            template.publishDurable(channel, new Order(40, "after the poison"));
            Listeners listeners = context.getBean(Listeners.class);
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> listeners.orders.stream().anyMatch(o -> o.id() == 40));
            var endpoint = new io.pgnotify.spring.durable.PgDurableEndpoint(context.getBean(DurableChannels.class));
            assertThat(endpoint.deadLetters(channel, "billing")).singleElement().satisfies(letter -> {
                assertThat(letter).containsEntry("id", poison).containsEntry("attempts", 3);
                assertThat((String) letter.get("lastError")).isNotBlank();
            });
            assertThat(endpoint.redrive(channel, "billing", poison)).containsEntry("redriven", 1);
            // Still not JSON: it fails its fresh attempts and is dead again.
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> endpoint.deadLetters(channel, "billing").size() == 1);
        });
    }

    @Test
    void aMissingSchemaFailsTheStartupNamingTheScript() {
        try (PrivateDatabase empty = PrivateDatabase.start()) {
            onDatabase(empty.url())
                    .withPropertyValues(
                            "pgnotify.durable.initialize-schema=never",
                            "spring.application.name=billing",
                            "test.channel=dl-missing")
                    .withUserConfiguration(Listeners.class)
                    .run(context -> assertThat(context)
                            .hasFailed()
                            .getFailure()
                            .rootCause()
                            .hasMessageContaining("table pgnotify.durable_message")
                            .hasMessageContaining("io/pgnotify/durable/schema-postgresql.sql"));
        }
    }

    @Test
    void aListenerWithoutAGroupFailsTheStartupWhenTheApplicationHasNoName() {
        onDatabase(TestDatabase.shared().url())
                .withPropertyValues("pgnotify.durable.initialize-schema=always", "test.channel=dl-nameless")
                .withUserConfiguration(Listeners.class)
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("'Handlers.bill' of bean 'handlers'")
                        .hasMessageContaining("names no group and spring.application.name is not set"));
    }

    record Order(long id, String name) {}

    @Configuration(proxyBeanMethods = false)
    @EnableTransactionManagement
    static class Listeners {
        final Queue<Order> orders = new ConcurrentLinkedQueue<>();
        final Queue<DurableMessage> messages = new ConcurrentLinkedQueue<>();
        final Queue<Integer> workAttempts = new ConcurrentLinkedQueue<>();
        final AtomicBoolean failed = new AtomicBoolean();

        @Bean
        JdbcTemplate jdbcTemplate(javax.sql.DataSource dataSource) {
            return new JdbcTemplate(dataSource);
        }

        @Bean
        Handlers handlers(JdbcTemplate jdbc) {
            return new Handlers(this, jdbc);
        }
    }

    static class Handlers {
        private final Listeners listeners;
        private final JdbcTemplate jdbc;

        Handlers(Listeners listeners, JdbcTemplate jdbc) {
            this.listeners = listeners;
            this.jdbc = jdbc;
        }

        @PgDurableListener(channel = "${test.channel}")
        public void bill(Order order) {
            listeners.orders.add(order);
        }

        @PgDurableListener(channel = "${test.channel}", group = "audit")
        public void audit(String payload, DurableMessage message) {
            listeners.messages.add(message);
        }

        @Transactional
        @PgDurableListener(channel = "dl-work-" + "${test.run:}", group = "worker")
        public void work(DurableMessage message) {
            listeners.workAttempts.add(message.attempt());
            jdbc.update("INSERT INTO durable_spring_work (id, payload) VALUES (?, ?)", message.id(), message.payload());
            if (listeners.failed.compareAndSet(false, true)) {
                throw new IllegalStateException("fails after its insert, the first time");
            }
        }
    }
}
