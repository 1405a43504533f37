package io.pgnotify.spring.boot.autoconfigure.durable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgnotify.core.durable.DurableChannels;
import io.pgnotify.core.durable.DurableMessage;
import io.pgnotify.spring.PgNotifyTemplate;
import io.pgnotify.spring.durable.PgDurableListener;
import io.pgnotify.testing.TestDatabase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Partitions of a {@link PgDurableListener}: from its attribute or {@code pgnotify.durable.partitions}. */
class PgDurablePartitionsTests {

    private final ApplicationContextRunner contextRunner = PgDurableListenerTests.onDatabase(
                    TestDatabase.shared().url())
            .withPropertyValues(
                    "pgnotify.durable.initialize-schema=always",
                    "pgnotify.durable.start-from=earliest",
                    "spring.application.name=partitioned",
                    "test.channel=dp-" + UUID.randomUUID().toString().substring(0, 8))
            .withUserConfiguration(Listeners.class);

    @Test
    void theAttributeSpreadsTheGroupAndKeysStayInOrder() {
        contextRunner.withPropertyValues("pgnotify.durable.partitions=2").run(context -> {
            String channel = context.getEnvironment().getProperty("test.channel");
            PgNotifyTemplate template = context.getBean(PgNotifyTemplate.class);
            for (int i = 0; i < 60; i++) {
                template.publishDurable(channel, "k" + (i % 6), "k" + (i % 6) + ":" + i);
            }
            Listeners listeners = context.getBean(Listeners.class);
            await().atMost(Duration.ofSeconds(20)).until(() -> listeners.keyed.size() == 60);
            Map<String, List<Integer>> byKey = new LinkedHashMap<>();
            for (DurableMessage m : listeners.keyed) {
                byKey.computeIfAbsent(m.key(), k -> new ArrayList<>())
                        .add(Integer.parseInt(m.payload().split(":")[1]));
            }
            assertThat(byKey).hasSize(6);
            byKey.forEach((key, sequence) -> assertThat(sequence).as(key).isSorted());
            assertThat(context.getBean(DurableChannels.class).groups())
                    .filteredOn(g -> g.channel().equals(channel))
                    .extracting(g -> g.group() + "=" + g.partitions())
                    .containsExactlyInAnyOrder("keyed=3", "partitioned=2");
        });
    }

    @Test
    void aCountOutOfRangeFailsTheStartupNamingIt() {
        contextRunner
                .withPropertyValues("pgnotify.durable.partitions=0")
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("Handlers.plain")
                        .hasMessageContaining("pgnotify.durable.partitions must be a whole number from 1 to 256")
                        .hasMessageContaining("got '0'"));
    }

    @Configuration(proxyBeanMethods = false)
    static class Listeners {
        final Queue<DurableMessage> keyed = new ConcurrentLinkedQueue<>();

        @Bean
        Handlers handlers() {
            return new Handlers(this);
        }
    }

    static class Handlers {
        private final Listeners listeners;

        Handlers(Listeners listeners) {
            this.listeners = listeners;
        }

        @PgDurableListener(channel = "${test.channel}", group = "keyed", partitions = "${test.partitions:3}")
        public void keyed(DurableMessage message) {
            listeners.keyed.add(message);
        }

        @PgDurableListener(channel = "${test.channel}")
        public void plain(String payload) {}
    }
}
