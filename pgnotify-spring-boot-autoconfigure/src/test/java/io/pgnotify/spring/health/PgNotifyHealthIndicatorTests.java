package io.pgnotify.spring.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.pgnotify.core.ConnectionProvider;
import io.pgnotify.core.Notifier;
import io.pgnotify.testing.PrivateDatabase;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

/** Health of a notifier on a real server of the test's own, which the tests cut off, restart and put behind PgBouncer. */
class PgNotifyHealthIndicatorTests {

    private static final Duration DEADLINE = Duration.ofSeconds(30);
    private static final String ROLE = "pgnotify_health";
    private static final String PASSWORD = "health-S3cret";

    private static PrivateDatabase db;

    private Notifier notifier;
    private PgNotifyHealthIndicator indicator;

    @BeforeAll
    static void startServer() {
        db = PrivateDatabase.start();
    }

    /** The notifier logs in as a role of its own, which a test may lock out; a restarted server may lack it. */
    @BeforeEach
    void createRole() {
        db.execute("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '" + ROLE + "') THEN"
                + " CREATE ROLE " + ROLE + " LOGIN SUPERUSER PASSWORD '" + PASSWORD + "'; END IF; END $$");
    }

    @AfterAll
    static void stopServer() {
        if (db != null) {
            db.close();
        }
    }

    @AfterEach
    void shutdown() {
        if (notifier != null) {
            notifier.shutdown(Duration.ofSeconds(5));
        }
    }

    @Test
    void staysUpWithAStuckHandlerAndShowsItsQuarantinedSubscription() throws Exception {
        start(ConnectionProvider.of(db.url(), ROLE, PASSWORD), b -> b.callbackTimeout(Duration.ofMillis(200)));
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        notifier.subscribe("health.stuck", n -> {
            while (release.getCount() > 0) { // ignores interruption
                java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
                Thread.interrupted();
            }
        });
        awaitStatus(Status.UP);
        assertThat(indicator.health().getDetails())
                .containsEntry("stuckHandlers", 0)
                .doesNotContainKey("quarantined");

        notifier.publish("health.stuck", "x");

        await().atMost(DEADLINE)
                .untilAsserted(() -> assertThat(indicator.health().getDetails())
                        .containsEntry("stuckHandlers", 1)
                        .containsEntry("quarantined", Map.of("health.stuck", 1)));
        assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
        release.countDown();
        await().atMost(DEADLINE)
                .untilAsserted(() -> assertThat(indicator.health().getDetails())
                        .containsEntry("stuckHandlers", 0)
                        .doesNotContainKey("quarantined"));
    }

    @Test
    void isUpWithDetailsWhileListeningToEveryChannel() {
        start(ConnectionProvider.of(db.url(), ROLE, PASSWORD), b -> b);
        notifier.subscribe("health.orders", n -> {});

        Health health = awaitStatus(Status.UP);

        assertThat(health.getDetails())
                .containsEntry("state", "LISTENING")
                .containsEntry("reconnectAttempts", 0)
                .containsEntry("serverQueueUsage", 0.0)
                .containsKeys("lastPing", "sinceLastPing")
                .doesNotContainKeys("error", "notListenedChannels");
        assertThat(health.getDetails().get("channels")).asString().isEqualTo("[health.orders]");
        assertNoCredentials(health);
    }

    @Test
    void goesDownWhenTheBackendIsTerminatedAndUpAgainOnceReconnected() {
        start(ConnectionProvider.of(db.url(), ROLE, PASSWORD), b -> b);
        awaitStatus(Status.UP);
        // Keep the notifier out while it is down, so that DOWN lasts long enough to be seen.
        db.execute("ALTER ROLE " + ROLE + " NOLOGIN");
        try {
            db.execute("SELECT pg_terminate_backend(" + notifier.status().backendPid() + ")");

            Health down = awaitStatus(Status.DOWN);
            assertThat(down.getDetails().get("state")).isEqualTo("RECONNECTING");
            await().atMost(DEADLINE)
                    .untilAsserted(
                            () -> assertThat(indicator.health().getDetails().get("error"))
                                    .asString()
                                    .contains("not permitted to log in"));
            assertNoCredentials(indicator.health());
        } finally {
            db.execute("ALTER ROLE " + ROLE + " LOGIN");
        }

        Health up = awaitStatus(Status.UP);
        assertThat(up.getDetails()).containsEntry("reconnects", 1L).doesNotContainKey("error");
    }

    @Test
    void goesDownWhileTheServerIsStoppedAndUpAgainAfterItsRestart() {
        start(ConnectionProvider.of(db.url(), ROLE, PASSWORD), b -> b);
        awaitStatus(Status.UP);

        db.stop();
        try {
            Health down = awaitStatus(Status.DOWN);
            assertThat(down.getDetails()).containsKey("error");
            assertNoCredentials(down);
        } finally {
            db.restart();
            createRole();
        }

        awaitStatus(Status.UP);
    }

    @Test
    void isDownWithTheLastErrorAfterGivingUp() throws IOException {
        int nothingThere;
        try (ServerSocket socket = new ServerSocket(0)) {
            nothingThere = socket.getLocalPort();
        }
        String url = "jdbc:postgresql://localhost:" + nothingThere + "/postgres";
        start(ConnectionProvider.of(url, ROLE, PASSWORD), b -> b.maxReconnectAttempts(2));

        await().atMost(DEADLINE)
                .until(() -> "FAILED".equals(indicator.health().getDetails().get("state")));

        Health health = indicator.health();
        assertThat(health.getStatus()).isEqualTo(Status.DOWN);
        assertThat(health.getDetails()).containsEntry("reconnectAttempts", 2);
        assertThat(health.getDetails().get("error")).asString().contains("Connection", "refused");
        assertNoCredentials(health);
    }

    @Test
    void isDownNamingTheReasonBehindPgBouncerInTransactionPoolingMode() {
        Optional<Path> binary = PgBouncer.binary();
        assumeTrue(binary.isPresent(), "pgbouncer is not installed (Debian: apt-get install pgbouncer)");
        try (PgBouncer bouncer = PgBouncer.start(binary.get(), db.port(), ROLE)) {
            start(ConnectionProvider.of(bouncer.url(), ROLE, PASSWORD), b -> b.pingTimeout(Duration.ofSeconds(1)));
            notifier.subscribe("health.pooled", n -> {});

            await().atMost(DEADLINE)
                    .untilAsserted(
                            () -> assertThat(indicator.health().getDetails().get("error"))
                                    .asString()
                                    .contains("transaction-mode pooler"));

            Health health = indicator.health();
            assertThat(health.getStatus()).isEqualTo(Status.DOWN);
            assertThat(health.getDetails().get("state")).isNotEqualTo("LISTENING");
            assertNoCredentials(health);
        }
    }

    private void start(ConnectionProvider provider, UnaryOperator<Notifier.Builder> settings) {
        notifier = settings.apply(Notifier.builder(provider)
                        .name("health")
                        .reconnectInterval(Duration.ofMillis(50))
                        .maxReconnectInterval(Duration.ofMillis(200))
                        .pingInterval(Duration.ofMillis(500)))
                .build();
        indicator = new PgNotifyHealthIndicator(notifier);
        notifier.start();
    }

    private Health awaitStatus(Status status) {
        await().atMost(DEADLINE).until(() -> indicator.health().getStatus().equals(status));
        return indicator.health();
    }

    private static void assertNoCredentials(Health health) {
        String text = health.toString() + Map.copyOf(health.getDetails());
        assertThat(text).doesNotContain(PASSWORD).doesNotContain(ROLE).doesNotContain("jdbc:");
    }
}
