package io.pgnotify.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.pgnotify.core.Notification;
import io.pgnotify.core.Notifier;
import io.pgnotify.core.NotifierState;
import io.pgnotify.spring.PgListener;
import io.pgnotify.spring.PgNotifyPublishListener;
import io.pgnotify.spring.PgNotifyTemplate;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.transaction.support.TransactionTemplate;

/** {@link PgNotifyTemplate} on a real PostgreSQL, in and out of Spring-managed transactions. */
class PgNotifyTemplateTests {

    private final ApplicationContextRunner contextRunner =
            TestApplications.onTestDatabase().withUserConfiguration(Receivers.class);

    @Test
    void publishesAStringAsItIs() {
        run((context, template) -> {
            template.publish("tt-text", "{not json");
            awaitReceived(context, "tt-text:{not json");
        });
    }

    @Test
    void publishesObjectsAsJsonThatListenersReadBack() {
        run((context, template) -> {
            template.publish("tt-json", new Item("ünïcode ✓", 3));
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> context.getBean(Receivers.class).items.contains(new Item("ünïcode ✓", 3)));
            assertThat(received(context)).contains("tt-raw-json:{\"name\":\"ünïcode ✓\",\"quantity\":3}");
        });
    }

    @Test
    void publishesAllInOneRoundTripAndInOrder() {
        run((context, template) -> {
            List<String> payloads =
                    IntStream.range(0, 50).mapToObj(Integer::toString).toList();
            template.publishAll("tt-ordered", payloads);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> context.getBean(Receivers.class).ordered.size() == 50);
            assertThat(context.getBean(Receivers.class).ordered).containsExactlyElementsOf(payloads);
        });
    }

    @Test
    void deliversOnCommitOnly() {
        run((context, template) -> {
            TransactionTemplate transaction = context.getBean(TransactionTemplate.class);
            transaction.executeWithoutResult(status -> {
                template.publish("tt-text", "rolled-back");
                status.setRollbackOnly();
            });
            transaction.executeWithoutResult(status -> {
                template.publish("tt-text", "committed");
                template.publishAll("tt-text", List.of("committed-1", "committed-2"));
            });
            awaitReceived(context, "tt-text:committed", "tt-text:committed-1", "tt-text:committed-2");
            // Sent after the rollback and received after the commit: the rolled-back one would have come first.
            template.publish("tt-text", "marker");
            awaitReceived(context, "tt-text:marker");
            assertThat(received(context)).doesNotContain("tt-text:rolled-back");
        });
    }

    @Test
    void tellsPublishListenersAfterTheCommitAndNeverAfterARollback() {
        run((context, template) -> {
            Queue<String> published = context.getBean(Receivers.class).publishedCounts;
            template.publish("tt-text", "direct");
            assertThat(published).containsExactly("tt-text:1");
            TransactionTemplate transaction = context.getBean(TransactionTemplate.class);
            transaction.executeWithoutResult(status -> {
                template.publishAll("tt-text", List.of("a", "b", "c"));
                status.setRollbackOnly();
            });
            assertThat(published).containsExactly("tt-text:1");
            transaction.executeWithoutResult(status -> {
                template.publishAll("tt-text", List.of("a", "b", "c"));
                assertThat(published).containsExactly("tt-text:1");
            });
            assertThat(published).containsExactly("tt-text:1", "tt-text:3");
        });
    }

    @Test
    void observesEveryPublishWithItsChannel() {
        run((context, template) -> {
            template.publish("tt-text", "observed");
            assertThat(context.getBean(Receivers.class).observations).contains("pgnotify.publish channel=tt-text");
        });
    }

    @Test
    void rejectsAPayloadOverTheLimitCountedInUtf8BytesAfterConversion() {
        contextRunner.withPropertyValues("pgnotify.max-payload-size=10").run(context -> {
            PgNotifyTemplate template = context.getBean(PgNotifyTemplate.class);
            template.publish("tt-text", "é".repeat(5));
            assertThatExceptionOfType(IllegalArgumentException.class)
                    .isThrownBy(() -> template.publish("tt-text", "é".repeat(6)))
                    .withMessageContaining("12 bytes in UTF-8; the limit is 10 bytes");
            assertThatExceptionOfType(IllegalArgumentException.class)
                    .isThrownBy(() -> template.publish("tt-text", new Item("long name", 1)))
                    .withMessageContaining("the limit is 10 bytes");
        });
    }

    @Test
    void rejectsAnInvalidChannelBeforeSendingAnything() {
        run((context, template) -> assertThatExceptionOfType(IllegalArgumentException.class)
                .isThrownBy(() -> template.publishAll("x".repeat(64), List.of("a")))
                .withMessageContaining("64 bytes in UTF-8"));
    }

    @Test
    void translatesDatabaseFailuresToDataAccessExceptions() {
        PgNotifyTemplate template = PgNotifyTemplate.builder(
                        new DriverManagerDataSource("jdbc:postgresql://127.0.0.1:1/nowhere", "u", "p"))
                .build();
        assertThatExceptionOfType(DataAccessException.class).isThrownBy(() -> template.publish("tt-text", "lost"));
    }

    @Test
    void refusesObjectPayloadsWithoutAConverter() {
        PgNotifyTemplate template =
                PgNotifyTemplate.builder(new DriverManagerDataSource()).build();
        assertThatExceptionOfType(IllegalStateException.class)
                .isThrownBy(() -> template.publish("tt-text", new Item("x", 1)))
                .withMessageContaining("no PgPayloadConverter");
    }

    private void run(TemplateTest test) {
        contextRunner.run(context -> {
            assertThat(context).hasNotFailed();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> context.getBean(Notifier.class).state() == NotifierState.LISTENING);
            test.run(context, context.getBean(PgNotifyTemplate.class));
        });
    }

    private static Queue<String> received(AssertableApplicationContext context) {
        return context.getBean(Receivers.class).received;
    }

    private static void awaitReceived(AssertableApplicationContext context, String... expected) {
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(received(context)).contains(expected));
    }

    @FunctionalInterface
    interface TemplateTest {
        void run(AssertableApplicationContext context, PgNotifyTemplate template) throws Exception;
    }

    record Item(String name, int quantity) {}

    @Configuration(proxyBeanMethods = false)
    static class Receivers implements PgNotifyPublishListener {

        final Queue<String> received = new ConcurrentLinkedQueue<>();
        final Queue<String> ordered = new ConcurrentLinkedQueue<>();
        final Queue<Item> items = new ConcurrentLinkedQueue<>();
        final Queue<String> publishedCounts = new ConcurrentLinkedQueue<>();
        final Queue<String> observations = new ConcurrentLinkedQueue<>();

        @PgListener("tt-text")
        void text(Notification notification) {
            received.add(notification.channel() + ":" + notification.payload());
        }

        @PgListener("tt-ordered")
        void ordered(String payload) {
            ordered.add(payload);
        }

        @PgListener("tt-json")
        void item(Item item, Notification notification) {
            items.add(item);
            received.add("tt-raw-json:" + notification.payload());
        }

        @Override
        public void onPublished(String channel, int count) {
            publishedCounts.add(channel + ":" + count);
        }

        @Bean
        ObservationRegistry observationRegistry() {
            ObservationRegistry registry = ObservationRegistry.create();
            registry.observationConfig().observationHandler(new ObservationHandler<>() {
                @Override
                public void onStop(Observation.Context context) {
                    if (context.getName().equals("pgnotify.publish")) {
                        observations.add(context.getName() + " channel="
                                + context.getLowCardinalityKeyValue("channel").getValue());
                    }
                }

                @Override
                public boolean supportsContext(Observation.Context context) {
                    return true;
                }
            });
            return registry;
        }
    }
}
