package io.pgnotify.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgnotify.core.Notifiers.Events;
import io.pgnotify.core.Notifiers.Recorder;
import io.pgnotify.testing.TestDatabase;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Gap accounting and backoff of the supervisor, and a ping the server refuses. */
class NotifierGapTests {

    @Test
    void aFirstConnectionLostBetweenItsListenAndItsFirstProbeIsAnAnnouncedGap() throws Exception {
        CountDownLatch publisherHeld = new CountDownLatch(1);
        ConnectionProvider direct = Notifiers.provider();
        ConnectionProvider slowPublisher = () -> {
            try {
                publisherHeld.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return direct.getConnection();
        };
        Events events = new Events();
        try (Notifier notifier = Notifier.builder(direct)
                .name("first-gap")
                .publisher(slowPublisher)
                .pingTimeout(Duration.ofSeconds(5))
                .reconnectInterval(Duration.ofMillis(100))
                .maxReconnectInterval(Duration.ofMillis(200))
                .listener(events)
                .build()) {
            notifier.subscribe("gap.a", n -> {});
            notifier.start();
            // LISTENed, the probe not back yet: notifications sent now are heard, so losing this connection is a gap
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> notifier.status().listenedChannels().contains("gap.a"));
            int pid = notifier.status().backendPid();
            assertThat(notifier.state()).isEqualTo(NotifierState.CONNECTING);
            TestDatabase.shared().execute("SELECT pg_terminate_backend(" + pid + ")");
            publisherHeld.countDown();

            Notifiers.awaitListening(notifier);
            await().atMost(Duration.ofSeconds(10)).until(() -> events.reconnects.size() == 1);
            assertThat(notifier.status().backendPid()).isNotEqualTo(pid);
        }
    }

    @Test
    void aConnectionThatVerifiesAndDiesAtOnceIsRetriedWithBackoffNotInATightLoop() throws Exception {
        AtomicReference<Notifier> self = new AtomicReference<>();
        AtomicInteger connects = new AtomicInteger();
        NotifierListener killer = new NotifierListener() {
            @Override
            public void onConnect() {
                connects.incrementAndGet();
                TestDatabase.shared()
                        .execute("SELECT pg_terminate_backend("
                                + self.get().status().backendPid() + ")");
            }
        };
        try (Notifier notifier = Notifier.builder(Notifiers.provider())
                .name("flapping")
                .reconnectInterval(Duration.ofMillis(500))
                .maxReconnectInterval(Duration.ofSeconds(4))
                .reconnectJitter(0)
                .listener(killer)
                .build()) {
            self.set(notifier);
            notifier.subscribe("flap.a", n -> {});
            notifier.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> connects.get() >= 1);
            // with backoff: attempts after 0.5 s, 1 s, 2 s more; a tight loop makes dozens
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(4)).until(() -> connects.get() <= 5);
        }
    }

    @Test
    void aPingTheServerRefusesIsReportedAndTheConnectionKeepsListening() throws Exception {
        TestDatabase db = TestDatabase.shared();
        try (Connection c = db.connect();
                Statement s = c.createStatement()) {
            var rs = s.executeQuery("SELECT 1 FROM pg_database WHERE datname = 'pgnotify_no_queue_usage'");
            if (!rs.next()) {
                s.execute("CREATE DATABASE pgnotify_no_queue_usage");
            }
            s.execute("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pgnotify_plain') THEN"
                    + " CREATE ROLE pgnotify_plain LOGIN PASSWORD 'plain'; END IF; END $$");
        }
        // without the URL's own parameters: an embedded server's URL names the superuser there
        String url = db.url().replaceFirst("(//[^/]+/).*$", "$1pgnotify_no_queue_usage");
        try (Connection c = ConnectionProvider.of(url, db.user(), db.password()).getConnection();
                Statement s = c.createStatement()) {
            s.execute("REVOKE EXECUTE ON FUNCTION pg_notification_queue_usage() FROM PUBLIC");
        }
        Events events = new Events();
        Recorder recorder = new Recorder();
        try (Notifier notifier = Notifier.builder(ConnectionProvider.of(url, "pgnotify_plain", "plain"))
                .name("ping-refused")
                .pingInterval(Duration.ofMillis(200))
                .reconnectInterval(Duration.ofMillis(100))
                .maxReconnectInterval(Duration.ofMillis(200))
                .listener(events)
                .build()) {
            notifier.subscribe("refused.a", recorder);
            notifier.start();
            Notifiers.awaitListening(notifier);
            int pid = notifier.status().backendPid();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> events.errors.stream()
                            .anyMatch(e -> String.valueOf(e.getMessage()).contains("pg_notification_queue_usage")));
            // several ping intervals later: same backend, no disconnect
            await().during(Duration.ofSeconds(2))
                    .atMost(Duration.ofSeconds(3))
                    .until(() -> notifier.state() == NotifierState.LISTENING
                            && notifier.status().backendPid() == pid);
            assertThat(events.log).doesNotContain("disconnect");
            notifier.publish("refused.a", "still listening");
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> recorder.payloads().contains("still listening"));
        }
    }
}
