package io.pgnotify.spring.boot.autoconfigure.endpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgnotify.spring.PgNotifyTemplate;
import io.pgnotify.spring.boot.autoconfigure.metrics.ObservedApplications;
import io.pgnotify.testing.TestDatabase;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What an operator sees over HTTP from a real application with the starter, a web server and the actuator: the
 * {@code pgnotify} health component, the {@code pgnotify} endpoint and the meters, never with the URL, user or
 * password, also while the listening connection is failing.
 */
@ExtendWith(OutputCaptureExtension.class)
class PgNotifyActuatorOutputTests {

    private static final String USER = "pgnotify_web_user";
    private static final String PASSWORD = "Web-S3cret-Passw0rd";

    private static final HttpClient http = HttpClient.newHttpClient();
    private static final JsonMapper json = JsonMapper.builder().build();

    private static TestDatabase db;
    private static String url;
    private static ConfigurableApplicationContext context;
    private static String base;

    @BeforeAll
    static void startApplication() {
        db = TestDatabase.shared();
        db.execute("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '" + USER + "') THEN"
                + " CREATE ROLE " + USER + " LOGIN PASSWORD '" + PASSWORD + "'; END IF; END $$");
        db.execute("ALTER ROLE " + USER + " LOGIN");
        // Without the test server's own query parameters (they name its user).
        url = db.url().contains("?") ? db.url().substring(0, db.url().indexOf('?')) : db.url();
        context = new SpringApplicationBuilder(Application.class)
                .web(WebApplicationType.SERVLET)
                .properties(
                        "server.port=0",
                        "spring.datasource.url=" + url,
                        "spring.datasource.username=" + USER,
                        "spring.datasource.password=" + PASSWORD,
                        "spring.datasource.hikari.maximum-pool-size=2",
                        "pgnotify.ping-interval=500ms",
                        "pgnotify.reconnect.initial-interval=50ms",
                        "pgnotify.reconnect.max-interval=200ms",
                        "pgnotify.shutdown-timeout=5s",
                        "management.endpoints.web.exposure.include=health,pgnotify,metrics",
                        "management.endpoint.health.show-details=always")
                .run();
        base = "http://localhost:" + context.getEnvironment().getProperty("local.server.port") + "/actuator/";
    }

    @AfterAll
    static void stopApplication() {
        if (context != null) {
            context.close();
        }
        if (db != null) {
            db.execute("ALTER ROLE " + USER + " LOGIN");
        }
    }

    @Test
    void showsTheNotifierInHealthEndpointAndMetricsWithoutCredentials(CapturedOutput output) throws Exception {
        await().atMost(Duration.ofSeconds(20))
                .until(() -> "UP"
                        .equals(get("health")
                                .path("components")
                                .path("pgnotify")
                                .path("status")
                                .asString()));
        context.getBean(PgNotifyTemplate.class).publish("obs.orders", "ok");
        await().atMost(Duration.ofSeconds(20))
                .until(() -> get("pgnotify")
                                .path("channels")
                                .path("obs.orders")
                                .path("received")
                                .asLong()
                        == 1);

        JsonNode health = get("health").path("components").path("pgnotify");
        assertThat(health.path("details").path("state").asString()).isEqualTo("LISTENING");
        assertThat(health.path("details").path("channels").toString()).contains("obs.orders");
        JsonNode endpoint = get("pgnotify");
        assertThat(endpoint.path("backendPid").asInt()).isPositive();
        assertThat(endpoint.path("applicationName").asString()).isEqualTo("pgnotify-listener");
        assertThat(endpoint.path("channels")
                        .path("obs.orders")
                        .path("listeners")
                        .get(0)
                        .path("id")
                        .asString())
                .isEqualTo("orders");
        // The session's age and its rotations (none: max-lifetime is not set), in health and the endpoint.
        assertThat(health.path("details").path("rotations").asLong()).isZero();
        assertThat(health.path("details").path("sessionAge").asString()).startsWith("PT");
        assertThat(health.path("details").has("lastRotation")).isFalse();
        assertThat(endpoint.path("rotations").asLong()).isZero();
        assertThat(endpoint.path("sessionAge").asString()).startsWith("PT");
        JsonNode metrics = get("metrics");
        assertThat(metrics.path("names").toString())
                .contains(
                        "pgnotify.notifications.received",
                        "pgnotify.connection.up",
                        "pgnotify.handler.duration",
                        "pgnotify.rotations");

        for (String path : List.of(
                "health",
                "pgnotify",
                "metrics/pgnotify.notifications.received",
                "metrics/pgnotify.notifications.published",
                "metrics/pgnotify.handler.duration",
                "metrics/pgnotify.connection.up")) {
            assertNoCredentials(path, getText(path));
        }
        assertNoCredentials("the log", output.toString());
    }

    @Test
    void showsWhyTheConnectionIsDownWithoutCredentials(CapturedOutput output) throws Exception {
        await().atMost(Duration.ofSeconds(20))
                .until(() -> "UP"
                        .equals(get("health")
                                .path("components")
                                .path("pgnotify")
                                .path("status")
                                .asString()));
        int pid = get("pgnotify").path("backendPid").asInt();
        // The server names the role when it refuses a login: that must not reach health, the endpoint or the log.
        db.execute("ALTER ROLE " + USER + " NOLOGIN");
        try {
            db.execute("SELECT pg_terminate_backend(" + pid + ")");
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> get("health")
                            .path("components")
                            .path("pgnotify")
                            .path("details")
                            .path("error")
                            .asString()
                            .contains("not permitted to log in"));

            JsonNode health = get("health").path("components").path("pgnotify");
            assertThat(health.path("status").asString()).isEqualTo("DOWN");
            assertNoCredentials("health", getText("health"));
            assertNoCredentials("pgnotify", getText("pgnotify"));
        } finally {
            db.execute("ALTER ROLE " + USER + " LOGIN");
        }
        await().atMost(Duration.ofSeconds(20))
                .until(() -> "UP"
                        .equals(get("health")
                                .path("components")
                                .path("pgnotify")
                                .path("status")
                                .asString()));
        assertNoCredentials("the log", output.toString());
    }

    private static void assertNoCredentials(String what, String text) {
        assertThat(text)
                .as(what)
                .doesNotContain(PASSWORD)
                .doesNotContain(USER)
                .doesNotContain(url)
                .doesNotContain("jdbc:postgresql");
    }

    private static JsonNode get(String path) throws IOException, InterruptedException {
        return json.readTree(getText(path));
    }

    private static String getText(String path) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create(base + path)).build(), HttpResponse.BodyHandlers.ofString());
        return response.body();
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class Application {

        @Bean
        ObservedApplications.OrderListener orderListener() {
            return new ObservedApplications.OrderListener();
        }
    }
}
