package io.pgnotify.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgnotify.core.Notifier;
import io.pgnotify.core.NotifierState;
import io.pgnotify.spring.PgListener;
import io.pgnotify.spring.PgNotifyTemplate;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.testcontainers.service.connection.ServiceConnection;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * The listening connection follows a Testcontainers {@code @ServiceConnection}. Skipped where no Docker engine runs.
 */
@Testcontainers(disabledWithoutDocker = true)
@SpringBootTest(classes = PgNotifyServiceConnectionTests.Application.class)
class PgNotifyServiceConnectionTests {

    @Container
    @ServiceConnection
    static final PostgreSQLContainer postgres = new PostgreSQLContainer("postgres:17-alpine");

    @Autowired
    private Notifier notifier;

    @Autowired
    private PgNotifyTemplate template;

    @Autowired
    private Application application;

    @Test
    void listensThroughTheServiceConnectionsDetails() {
        await().atMost(Duration.ofSeconds(30)).until(() -> notifier.state() == NotifierState.LISTENING);
        template.publish("sc-channel", "from-container");
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(application.received).containsExactly("from-container"));
    }

    @SpringBootConfiguration
    @ImportAutoConfiguration({
        DataSourceAutoConfiguration.class,
        JacksonAutoConfiguration.class,
        PgNotifyAutoConfiguration.class
    })
    static class Application {

        final Queue<String> received = new ConcurrentLinkedQueue<>();

        @PgListener("sc-channel")
        void onNotification(String payload) {
            received.add(payload);
        }
    }
}
