package io.pgnotify.sample.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgnotify.core.Notifier;
import io.pgnotify.sample.SampleAppTest;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

@SampleAppTest
class ProductCacheTests {

    @Autowired
    ProductCache cache;

    @Autowired
    ProductService products;

    @Autowired
    Notifier pgNotifier;

    @Autowired
    JdbcClient jdbc;

    @Test
    void aRenamedProductIsEvictedWhenTheTransactionCommits() {
        assertThat(cache.get(2)).isPresent();
        assertThat(cache.keys()).contains("product:2");

        assertThat(products.rename(2, "Flat white")).isTrue();

        await().atMost(Duration.ofSeconds(10)).until(() -> !cache.keys().contains("product:2"));
        assertThat(cache.get(2)).hasValueSatisfying(p -> assertThat(p.name()).isEqualTo("Flat white"));
    }

    @Test
    void theWholeCacheIsFlushedAfterTheListeningConnectionWasLost() {
        cache.get(1);
        cache.get(3);
        long flushes = cache.flushes();
        int listenerPid = pgNotifier.status().backendPid();

        jdbc.sql("SELECT pg_terminate_backend(?)")
                .param(listenerPid)
                .query(Boolean.class)
                .single();

        await().atMost(Duration.ofSeconds(20)).until(() -> cache.flushes() > flushes);
        assertThat(cache.keys()).doesNotContain("product:1", "product:3");
        await().atMost(Duration.ofSeconds(20)).until(() -> pgNotifier.status().healthy());
        assertThat(pgNotifier.status().backendPid()).isNotEqualTo(listenerPid);
    }
}
