package io.pgnotify.sample.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgnotify.sample.SampleAppTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;

/** The page's stream and publish endpoint over plain HTTP; {@code BrowserTests} shows them in a browser. */
@SampleAppTest
class LiveFeedTests {

    @LocalServerPort
    int port;

    @Autowired
    JdbcClient jdbc;

    private final HttpClient http = HttpClient.newHttpClient();
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private volatile @Nullable HttpResponse<Stream<String>> stream;

    @BeforeEach
    void openStream() {
        http.sendAsync(HttpRequest.newBuilder(uri("/api/feed")).build(), HttpResponse.BodyHandlers.ofLines())
                .thenAccept(response -> {
                    stream = response;
                    response.body().forEach(lines::add);
                });
        await().atMost(Duration.ofSeconds(10)).until(() -> lines.contains("event:ready"));
    }

    @AfterEach
    void closeStream() {
        HttpResponse<Stream<String>> response = stream;
        if (response != null) {
            response.body().close();
        }
    }

    @Test
    void notificationsPublishedThroughTheApiAndBySqlReachTheStream() throws Exception {
        String fromApi = "api-" + UUID.randomUUID();
        String fromSql = "sql-" + UUID.randomUUID();

        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(uri("/api/publish"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "{\"channel\":\"events\",\"payload\":\"" + fromApi + "\"}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        jdbc.sql("SELECT pg_notify('events', ?)").param(fromSql).query().singleRow();

        assertThat(response.statusCode()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> lines.stream().anyMatch(line -> line.contains(fromApi))
                        && lines.stream().anyMatch(line -> line.contains(fromSql)));
    }

    @Test
    void aJsonPayloadIsShownAsTheMessageItCarries() throws Exception {
        String text = "shipped-" + UUID.randomUUID();

        jdbc.sql("SELECT pg_notify('user_notifications', ?)")
                .param("{\"user\":\"ann\",\"text\":\"" + text + "\"}")
                .query()
                .singleRow();

        await().atMost(Duration.ofSeconds(10))
                .until(() -> lines.stream().anyMatch(line -> line.contains("\"summary\":\"to ann: " + text + "\"")));
    }

    @Test
    void anInvalidChannelIsRefusedWithTheReason() throws Exception {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(uri("/api/publish"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"channel\":\"" + "x".repeat(64) + "\"}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("63 bytes");
    }

    private URI uri(String path) {
        return URI.create("http://localhost:" + port + path);
    }
}
