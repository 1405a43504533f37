package io.pgnotify.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgnotify.core.Notifiers.Events;
import io.pgnotify.core.Notifiers.Recorder;
import io.pgnotify.testing.PrivateDatabase;
import io.pgnotify.testing.TcpProxy;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Faults that need a server of the test's own: killed backends, restarts, silent networks, refused connections. */
class NotifierReconnectTests {

    private static PrivateDatabase db;

    @BeforeAll
    static void startServer() {
        db = PrivateDatabase.start();
    }

    @AfterAll
    static void stopServer() {
        db.close();
    }

    private static Notifier.Builder builder(String name) {
        return Notifier.builder(ConnectionProvider.of(db.url(), db.user(), db.password()))
                .name(name)
                .applicationName("pgnotify-" + name)
                .reconnectInterval(Duration.ofMillis(100))
                .maxReconnectInterval(Duration.ofMillis(500));
    }

    @Test
    void reconnectsAfterTheBackendIsKilledAndAnnouncesTheGapAfterListeningAgain() throws Exception {
        Events events = new Events();
        List<Boolean> listenedAtReconnect = new CopyOnWriteArrayList<>();
        Notifier[] holder = new Notifier[1];
        Recorder recorder = new Recorder();
        try (Notifier notifier = builder("killed")
                .listener(new NotifierListener() {
                    @Override
                    public void onReconnect(int attempts, Duration downtime) {
                        listenedAtReconnect.add(
                                holder[0].status().listenedChannels().contains("survives"));
                        events.onReconnect(attempts);
                    }

                    @Override
                    public void onDisconnect(Throwable cause) {
                        events.onDisconnect(cause);
                    }
                })
                .build()) {
            holder[0] = notifier;
            notifier.subscribe("survives", recorder);
            notifier.start();
            Notifiers.awaitListening(notifier);

            for (int round = 1; round <= 3; round++) {
                int pid = notifier.status().backendPid();
                db.execute("SELECT pg_terminate_backend(" + pid + ")");
                int expected = round;
                await().atMost(Duration.ofSeconds(10)).until(() -> events.reconnects.size() == expected);
                assertThat(notifier.status().backendPid()).isNotEqualTo(pid);
                notifier.publish("survives", "after-" + round);
                await().atMost(Duration.ofSeconds(5))
                        .until(() -> recorder.payloads().contains("after-" + expected));
            }
            assertThat(listenedAtReconnect).containsExactly(true, true, true);
            assertThat(events.log).containsSubsequence("disconnect", "reconnect", "disconnect", "reconnect");
            assertThat(notifier.status().reconnects()).isEqualTo(3);
        }
    }

    @Test
    void reconnectsAfterTheServerRestartsAndSubscriptionsMadeMeanwhileTakeEffect() throws Exception {
        Events events = new Events();
        Recorder before = new Recorder();
        Recorder during = new Recorder();
        try (Notifier notifier = builder("restart").listener(events).build()) {
            notifier.subscribe("before", before);
            notifier.start();
            Notifiers.awaitListening(notifier);

            db.stop();
            await().atMost(Duration.ofSeconds(10)).until(() -> notifier.state() == NotifierState.RECONNECTING);
            notifier.subscribe("during", during);
            db.restart();

            await().atMost(Duration.ofSeconds(20)).until(() -> events.reconnects.size() == 1);
            assertThat(notifier.state()).isEqualTo(NotifierState.LISTENING);
            notifier.publish("before", "1");
            notifier.publish("during", "2");
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> before.received.size() == 1 && during.received.size() == 1);
        }
    }

    @Test
    void aSilentNetworkIsDetectedWithinPingIntervalPlusPingTimeout() throws Exception {
        try (TcpProxy proxy = new TcpProxy(db.port())) {
            Events events = new Events();
            Recorder recorder = new Recorder();
            String url = "jdbc:postgresql://127.0.0.1:" + proxy.port() + "/postgres";
            Duration pingInterval = Duration.ofMillis(500);
            Duration pingTimeout = Duration.ofMillis(1000);
            try (Notifier notifier = Notifier.builder(ConnectionProvider.of(url, db.user(), db.password()))
                    .name("silent")
                    .publisher(ConnectionProvider.of(db.url(), db.user(), db.password()))
                    .pingInterval(pingInterval)
                    .pingTimeout(pingTimeout)
                    .reconnectInterval(Duration.ofMillis(100))
                    .listener(events)
                    .build()) {
                notifier.subscribe("silent", recorder);
                notifier.start();
                Notifiers.awaitListening(notifier);

                long cut = System.nanoTime();
                proxy.blackhole();
                await().atMost(Duration.ofSeconds(10)).until(() -> events.log.contains("disconnect"));
                Duration detection = Duration.ofNanos(System.nanoTime() - cut);
                assertThat(detection)
                        .isLessThanOrEqualTo(pingInterval.plus(pingTimeout).plusMillis(500));

                proxy.restore();
                await().atMost(Duration.ofSeconds(10)).until(() -> events.reconnects.size() == 1);
                notifier.publish("silent", "back");
                await().atMost(Duration.ofSeconds(5))
                        .until(() -> recorder.payloads().contains("back"));
            }
        }
    }

    @Test
    void afterMaxAttemptsItFailsAndSaysSoWithoutSpinning() throws Exception {
        try (TcpProxy proxy = new TcpProxy(db.port())) {
            Events events = new Events();
            AtomicInteger attempts = new AtomicInteger();
            String url = "jdbc:postgresql://127.0.0.1:" + proxy.port() + "/postgres?connectTimeout=2";
            ConnectionProvider direct = ConnectionProvider.of(url, db.user(), db.password());
            ConnectionProvider counting = () -> {
                attempts.incrementAndGet();
                return direct.getConnection();
            };
            try (Notifier notifier = Notifier.builder(counting)
                    .name("giveup")
                    .publisher(ConnectionProvider.of(db.url(), db.user(), db.password()))
                    .reconnectInterval(Duration.ofMillis(100))
                    .maxReconnectInterval(Duration.ofMillis(400))
                    .maxReconnectAttempts(4)
                    .listener(events)
                    .build()) {
                notifier.start();
                Notifiers.awaitListening(notifier);
                attempts.set(0);

                proxy.refuse();
                await().atMost(Duration.ofSeconds(20)).until(() -> notifier.state() == NotifierState.FAILED);

                assertThat(attempts).hasValue(4);
                assertThat(events.errors)
                        .last()
                        .satisfies(e -> assertThat(e)
                                .isInstanceOf(SQLException.class)
                                .hasMessageContaining("Gave up after 4 failed connection attempt(s)"));
                assertThat(notifier.status().lastError()).isNotNull();
            }
            NotifierLifecycleTests.assertNoThreads("giveup");
        }
    }

    @Test
    void shutdownWhileReconnectingStartsNoFurtherAttempt() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        try (TcpProxy proxy = new TcpProxy(db.port())) {
            ConnectionProvider direct = ConnectionProvider.of(
                    "jdbc:postgresql://127.0.0.1:" + proxy.port() + "/postgres", db.user(), db.password());
            Notifier notifier = Notifier.builder(() -> {
                        attempts.incrementAndGet();
                        return direct.getConnection();
                    })
                    .name("stopping")
                    .publisher(ConnectionProvider.of(db.url(), db.user(), db.password()))
                    .reconnectInterval(Duration.ofMillis(200))
                    .build();
            notifier.start();
            Notifiers.awaitListening(notifier);
            proxy.refuse();
            await().atMost(Duration.ofSeconds(10)).until(() -> attempts.get() >= 3);

            assertThat(notifier.shutdown(Duration.ofSeconds(5))).isTrue();
            int atShutdown = attempts.get();

            proxy.restore();
            await().during(Duration.ofMillis(1500))
                    .atMost(Duration.ofSeconds(3))
                    .until(() -> attempts.get() == atShutdown);
            NotifierLifecycleTests.assertNoThreads("stopping");
        }
    }

    @Test
    void aConnectionThatDoesNotDeliverNotificationsIsNeverReportedAsListening() throws Exception {
        // The probe goes out through the publisher, here another server: the listener never hears it, as behind a
        // transaction-mode pooler that forwards statements but not notifications.
        Events events = new Events();
        try (Notifier notifier = builder("deaf")
                .publisher(Notifiers.provider())
                .pingTimeout(Duration.ofMillis(300))
                .listener(events)
                .build()) {
            notifier.subscribe("deaf", n -> {});
            notifier.start();

            await().atMost(Duration.ofSeconds(10)).until(() -> events.errors.size() >= 2);

            assertThat(notifier.state()).isEqualTo(NotifierState.CONNECTING);
            assertThat(notifier.status().healthy()).isFalse();
            assertThat(notifier.status().lastError()).contains("did not come back", "PgBouncer");
            assertThat(events.log).doesNotContain("connect");
        }
    }
}
