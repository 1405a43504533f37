package io.pgnotify.core;

import static io.pgnotify.core.ReliabilityFaultTests.listening;
import static io.pgnotify.core.ReliabilityFaultTests.settle;
import static io.pgnotify.core.ReliabilityFaultTests.steady;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.pgnotify.testing.DeliveryLedger;
import io.pgnotify.testing.PrivateDatabase;
import io.pgnotify.testing.ReliabilityReport;
import io.pgnotify.testing.Traffic;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Environments a listener meets: a multi-host failover, a read-only standby, TLS. */
class ReliabilityEnvironmentTests {

    private static Notifier.Builder builder(String name, ConnectionProvider listener, ConnectionProvider publisher) {
        return Notifier.builder(listener)
                .name(name)
                .applicationName("pgnotify-" + name)
                .publisher(publisher)
                .reconnectInterval(Duration.ofMillis(100))
                .maxReconnectInterval(Duration.ofMillis(500))
                .bufferSize(10_000);
    }

    private static int sessions(PrivateDatabase db, String applicationName) {
        try (Connection c = db.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT count(*) FROM pg_stat_activity WHERE application_name = '" + applicationName + "'")) {
            rs.next();
            return rs.getInt(1);
        } catch (SQLException e) {
            return -1;
        }
    }

    @Test
    void aMultiHostUrlFailsOverToTheOtherServerAndListensThereAgain() throws Exception {
        try (PrivateDatabase first = PrivateDatabase.start();
                PrivateDatabase second = PrivateDatabase.start()) {
            String url = "jdbc:postgresql://127.0.0.1:" + first.port() + ",127.0.0.1:" + second.port()
                    + "/postgres?targetServerType=primary&hostRecheckSeconds=1&connectTimeout=5";
            ConnectionProvider multiHost = ConnectionProvider.of(url, first.user(), first.password());
            DeliveryLedger ledger = new DeliveryLedger("failover.", 2);
            PrivateDatabase[] servers = {first, second};
            try (Notifier notifier =
                            listening(builder("failover", multiHost, multiHost).listener(ledger), ledger);
                    Traffic traffic = new Traffic(ledger, multiHost::getConnection, 200).start()) {
                assertThat(sessions(first, "pgnotify-failover")).isEqualTo(1);
                int rounds = 3;
                for (int round = 1; round <= rounds; round++) {
                    // Round 1 stops the first server, round 2 the second (the first is back), round 3 the first.
                    PrivateDatabase down = servers[(round + 1) % 2];
                    PrivateDatabase up = servers[round % 2];
                    steady(traffic, 100);
                    ledger.faultBegins();
                    down.stop();
                    int expected = round;
                    await().atMost(Duration.ofSeconds(30)).until(() -> ledger.reconnects() == expected);
                    assertThat(sessions(up, "pgnotify-failover")).isEqualTo(1);
                    assertThat(notifier.status().listenedChannels())
                            .containsExactlyInAnyOrder("failover.0", "failover.1");
                    steady(traffic, 100);
                    down.restart();
                }
                steady(traffic, 100);
                settle(
                        traffic,
                        ledger,
                        "failover: multi-host URL, targetServerType=primary, the listening server stopped",
                        rounds,
                        "publisher on the same multi-host URL, 200/s");
            }
        }
    }

    @Test
    void aListenerUrlThatLandsOnAStandbyGetsAClearErrorAndRetriesWithBackoffUntilPromoted() throws Exception {
        try (PrivateDatabase primary = PrivateDatabase.start();
                PrivateDatabase standby = primary.startStandbyCopy()) {
            List<Long> attempts = new CopyOnWriteArrayList<>();
            List<Throwable> errors = new CopyOnWriteArrayList<>();
            ConnectionProvider toStandby = ConnectionProvider.of(standby.url(), standby.user(), standby.password());
            ConnectionProvider counting = () -> {
                attempts.add(System.nanoTime());
                return toStandby.getConnection();
            };
            try (Notifier notifier = builder("standby", counting, toStandby)
                    .reconnectInterval(Duration.ofMillis(200))
                    .maxReconnectInterval(Duration.ofMillis(800))
                    .listener(new NotifierListener() {
                        @Override
                        public void onError(Throwable error, String channel) {
                            errors.add(error);
                        }
                    })
                    .build()) {
                List<String> received = new CopyOnWriteArrayList<>();
                notifier.subscribe("after.promotion", n -> received.add(n.payload()));
                notifier.start();
                await().atMost(Duration.ofSeconds(10)).until(() -> attempts.size() >= 5);

                assertThat(notifier.state()).isEqualTo(NotifierState.CONNECTING);
                SQLException first = (SQLException) errors.get(0);
                assertThat(first.getSQLState()).isEqualTo("25006");
                assertThat(first.getMessage()).contains("cannot execute LISTEN during recovery", "read-only standby");
                assertThat(notifier.status().lastError()).contains("during recovery");
                List<Long> gaps = new ArrayList<>();
                for (int i = 1; i < 5; i++) {
                    gaps.add(TimeUnit.NANOSECONDS.toMillis(attempts.get(i) - attempts.get(i - 1)));
                }
                // 200, 400, 800, 800 ms ± 20%: backoff, not a spin.
                assertThat(gaps.get(0)).isBetween(150L, 450L);
                assertThat(gaps.get(1)).isBetween(310L, 700L);
                assertThat(gaps.get(2)).isBetween(630L, 1200L);

                standby.execute("SELECT pg_promote()");
                await().atMost(Duration.ofSeconds(20)).until(() -> notifier.state() == NotifierState.LISTENING);
                notifier.publish("after.promotion", "hello");
                await().atMost(Duration.ofSeconds(5)).until(() -> received.contains("hello"));
                ReliabilityReport.record(
                        "listener URL on a read-only standby, then promoted",
                        attempts.size() - 1,
                        1,
                        received.size(),
                        0,
                        0,
                        0,
                        0,
                        0,
                        Duration.ZERO,
                        Duration.ZERO,
                        "SQLSTATE 25006 'cannot execute LISTEN during recovery'; attempts " + gaps
                                + " ms apart; listening after pg_promote()");
            }
        }
    }

    @Test
    void overTlsNothingIsHeldBackAndFaultsAreSurvived() throws Exception {
        try (PrivateDatabase db = PrivateDatabase.start()) {
            assumeTrue(db.enableSsl(), "openssl is available");
            String sslUrl = db.url() + "?sslmode=require";
            ConnectionProvider tls = ConnectionProvider.of(sslUrl, db.user(), db.password());
            DeliveryLedger ledger = new DeliveryLedger("tls.", 4);
            ConcurrentHashMap<String, Long> arrivals = new ConcurrentHashMap<>();
            try (Notifier notifier =
                    listening(builder("tls", tls, tls).listener(ledger).pingInterval(Duration.ofMinutes(5)), ledger)) {
                try (Connection c = db.connect();
                        ResultSet rs = c.createStatement()
                                .executeQuery("SELECT ssl FROM pg_stat_ssl WHERE pid = "
                                        + notifier.status().backendPid())) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getBoolean(1))
                            .as("the listening connection uses TLS")
                            .isTrue();
                }
                // Singles with nothing after them: a notification held in the TLS layer would wait for the next
                // traffic, here the ping minutes away.
                List<Long> latencies = new ArrayList<>();
                notifier.subscribe("tls.single", n -> arrivals.put(n.payload(), System.nanoTime()));
                for (int i = 0; i < 50; i++) {
                    String payload = "single-" + i;
                    long sent = System.nanoTime();
                    notifier.publish("tls.single", payload);
                    await().atMost(Duration.ofSeconds(2)).until(() -> arrivals.containsKey(payload));
                    latencies.add(TimeUnit.NANOSECONDS.toMicros(arrivals.get(payload) - sent));
                }
                // 10,000 in bursts of 500, each burst's last one must arrive with nothing behind it.
                List<String> burstPayloads = new CopyOnWriteArrayList<>();
                notifier.subscribe("tls.burst", n -> burstPayloads.add(n.payload()));
                List<Long> burstMillis = new ArrayList<>();
                for (int burst = 0; burst < 20; burst++) {
                    int from = burst * 500;
                    List<String> payloads = IntStream.range(from, from + 500)
                            .mapToObj(Integer::toString)
                            .toList();
                    long sent = System.nanoTime();
                    notifier.publishAll("tls.burst", payloads);
                    await().atMost(Duration.ofSeconds(3)).until(() -> burstPayloads.size() == from + 500);
                    burstMillis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent));
                }
                assertThat(burstPayloads)
                        .isEqualTo(IntStream.range(0, 10_000)
                                .mapToObj(Integer::toString)
                                .toList());

                // Faults over TLS: the numbered traffic and five killed backends.
                try (Traffic traffic = new Traffic(
                                ledger,
                                () -> {
                                    Properties props = new Properties();
                                    props.setProperty("user", db.user());
                                    props.setProperty("password", db.password());
                                    return DriverManager.getConnection(sslUrl, props);
                                },
                                500)
                        .start()) {
                    for (int round = 1; round <= 5; round++) {
                        steady(traffic, 100);
                        ledger.faultBegins();
                        db.execute("SELECT pg_terminate_backend("
                                + notifier.status().backendPid() + ")");
                        int expected = round;
                        await().atMost(Duration.ofSeconds(10)).until(() -> ledger.reconnects() == expected);
                    }
                    steady(traffic, 100);
                    latencies.sort(Long::compare);
                    burstMillis.sort(Long::compare);
                    settle(
                            traffic,
                            ledger,
                            "TLS (sslmode=require): 5 backend kills under traffic; 50 singles; 10,000 in 20 bursts",
                            5,
                            "single latency p50 " + latencies.get(latencies.size() / 2) + " us, max "
                                    + latencies.get(latencies.size() - 1) + " us; burst of 500 p50 "
                                    + burstMillis.get(burstMillis.size() / 2) + " ms, max "
                                    + burstMillis.get(burstMillis.size() - 1) + " ms");
                }
            }
        }
    }
}
