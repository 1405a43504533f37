package io.pgnotify.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgnotify.testing.DeliveryLedger;
import io.pgnotify.testing.PrivateDatabase;
import io.pgnotify.testing.ReliabilityReport;
import io.pgnotify.testing.TcpProxy;
import io.pgnotify.testing.Traffic;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The reliability rule under repeated faults, counted with sequence-numbered traffic: each notification sent while
 * the notifier listens arrives exactly once and in per-channel order; each one sent while it does not is covered by a
 * reconnect announcement. Figures go to {@code target/reliability/results.csv} and {@code docs/reliability.md}.
 */
class ReliabilityFaultTests {

    static final String COMMAND =
            "./mvnw -B -pl pgnotify-core verify -Dtest='Reliability*' -Dsurefire.failIfNoSpecifiedTests=false";

    private static PrivateDatabase db;

    @BeforeAll
    static void startServer() {
        db = PrivateDatabase.start();
    }

    @AfterAll
    static void stopServer() {
        db.close();
    }

    private static ConnectionProvider viaProxy(TcpProxy proxy) {
        return ConnectionProvider.of(
                "jdbc:postgresql://127.0.0.1:" + proxy.port() + "/postgres", db.user(), db.password());
    }

    private static ConnectionProvider direct() {
        return ConnectionProvider.of(db.url(), db.user(), db.password());
    }

    private static Notifier.Builder builder(String name, ConnectionProvider provider, DeliveryLedger ledger) {
        return Notifier.builder(provider)
                .name(name)
                .applicationName("pgnotify-" + name)
                .publisher(direct())
                .reconnectInterval(Duration.ofMillis(100))
                .maxReconnectInterval(Duration.ofMillis(500))
                .bufferSize(10_000)
                .listener(ledger);
    }

    static Notifier listening(Notifier.Builder builder, DeliveryLedger ledger) {
        Notifier notifier = builder.build();
        for (int i = 0; i < ledger.channels(); i++) {
            notifier.subscribe(ledger.channel(i), ledger.handler(i));
        }
        notifier.start();
        await().atMost(Duration.ofSeconds(20)).until(ledger::listening);
        return notifier;
    }

    /** Lets the traffic run for a while between faults: at least {@code count} more commits. */
    static void steady(Traffic traffic, int count) {
        long from = traffic.committed();
        await().atMost(Duration.ofSeconds(30)).until(() -> traffic.committed() >= from + count);
    }

    /** Stops the traffic, waits for every notification that must arrive, checks the rule and records the figures. */
    static DeliveryLedger.Result settle(
            Traffic traffic, DeliveryLedger ledger, String scenario, int repetitions, String note) {
        // Every gap is announced: each disconnect is followed by a reconnect.
        await().atMost(Duration.ofSeconds(10)).until(() -> ledger.reconnects() == ledger.disconnects());
        return settleWithoutReconnect(traffic, ledger, scenario, repetitions, note);
    }

    /** As {@link #settle}, for a notifier that ended without listening again (it gave up). */
    static DeliveryLedger.Result settleWithoutReconnect(
            Traffic traffic, DeliveryLedger ledger, String scenario, int repetitions, String note) {
        traffic.close();
        try {
            await().atMost(Duration.ofSeconds(20)).until(ledger::settled);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            // fall through: the figures say what is missing
        }
        DeliveryLedger.Result result = ledger.result();
        ReliabilityReport.record(scenario, repetitions, result, note);
        assertThat(result.lostWhileConnected())
                .as("lost while connected, e.g. %s", result.lostExamples())
                .isZero();
        assertThat(result.duplicates()).as("duplicates").isZero();
        assertThat(result.outOfOrder()).as("out of order").isZero();
        assertThat(result.sent()).isPositive();
        return result;
    }

    @Test
    void aBackendKilledTwentyTimesDuringSteadyTrafficLosesNothingWhileConnected() throws Exception {
        DeliveryLedger ledger = new DeliveryLedger("killed.", 4);
        try (Notifier notifier = listening(builder("killed20", direct(), ledger), ledger);
                Traffic traffic = new Traffic(ledger, db::connect, 1000).start()) {
            for (int round = 1; round <= 20; round++) {
                steady(traffic, 100);
                int pid = notifier.status().backendPid();
                ledger.faultBegins();
                db.execute("SELECT pg_terminate_backend(" + pid + ")");
                int expected = round;
                await().atMost(Duration.ofSeconds(10)).until(() -> ledger.reconnects() == expected);
            }
            steady(traffic, 200);
            DeliveryLedger.Result result =
                    settle(traffic, ledger, "backend killed (pg_terminate_backend)", 20, "1000/s over 4 channels");
            assertThat(ledger.disconnects()).isEqualTo(20);
            assertThat(result.downtimes()).hasSize(20);
        }
    }

    @Test
    void serverRestartsIncludingOneLongerThanTheMaxReconnectIntervalAndAFastShutdownDuringAHandler() throws Exception {
        DeliveryLedger ledger = new DeliveryLedger("restart.", 3);
        List<String> slowOutcomes = new CopyOnWriteArrayList<>();
        CountDownLatch slowEntered = new CountDownLatch(1);
        try (Notifier notifier = listening(builder("restarts", direct(), ledger), ledger);
                Traffic traffic = new Traffic(ledger, db::connect, 300).start()) {
            notifier.subscribe("restart.slow", n -> {
                slowEntered.countDown();
                try {
                    TimeUnit.MILLISECONDS.sleep(1500); // simulated work, still running when the server goes down
                    slowOutcomes.add("finished:" + n.payload());
                } catch (InterruptedException e) {
                    slowOutcomes.add("interrupted:" + n.payload());
                }
            });
            // 1: a plain restart.
            steady(traffic, 100);
            ledger.faultBegins();
            db.restart();
            await().atMost(Duration.ofSeconds(30)).until(() -> ledger.reconnects() == 1);

            // 2: down for 4 s, well past the 500 ms cap: attempts keep coming at the capped interval.
            steady(traffic, 100);
            int errorsBefore = ledger.errors().size();
            ledger.faultBegins();
            db.stop();
            await().atMost(Duration.ofSeconds(10)).until(() -> notifier.state() == NotifierState.RECONNECTING);
            await().pollDelay(Duration.ofSeconds(4)).until(() -> true); // the outage itself, not a synchronisation
            int failedMeanwhile = ledger.errors().size() - errorsBefore;
            db.restart();
            await().atMost(Duration.ofSeconds(30)).until(() -> ledger.reconnects() == 2);
            // 4 s at most 500 ms (+20%) apart after the first 100-200-400: at least 6 attempts, all reported.
            assertThat(failedMeanwhile).isBetween(6, 14);

            // 3: fast shutdown while a handler runs: the handler is not disturbed, the notifier recovers.
            steady(traffic, 100);
            notifier.publish("restart.slow", "during-shutdown");
            assertThat(slowEntered.await(5, TimeUnit.SECONDS)).isTrue();
            ledger.faultBegins();
            db.restart();
            await().atMost(Duration.ofSeconds(30)).until(() -> ledger.reconnects() == 3);
            await().atMost(Duration.ofSeconds(5)).until(() -> !slowOutcomes.isEmpty());
            assertThat(slowOutcomes).containsExactly("finished:during-shutdown");
            notifier.publish("restart.slow", "after");
            await().atMost(Duration.ofSeconds(5)).until(() -> slowOutcomes.size() == 2);

            steady(traffic, 100);
            DeliveryLedger.Result result = settle(
                    traffic,
                    ledger,
                    "server stopped and restarted (one 4 s outage > 500 ms cap; one during a handler)",
                    3,
                    "300/s over 3 channels; sends during the outage fail and are not counted");
            assertThat(result.downtimes()).hasSize(3);
            assertThat(result.downtimes().get(1)).isGreaterThan(Duration.ofSeconds(4));
        }
    }

    @Test
    void aSilentNetworkIsDetectedWithinPingIntervalPlusPingTimeoutEveryTime() throws Exception {
        Duration pingInterval = Duration.ofMillis(500);
        Duration pingTimeout = Duration.ofMillis(1000);
        DeliveryLedger ledger = new DeliveryLedger("silent.", 2);
        List<Duration> detections = new ArrayList<>();
        try (TcpProxy proxy = new TcpProxy(db.port())) {
            ConnectionProvider viaProxy = viaProxy(proxy);
            try (Notifier notifier = listening(
                            builder("silent", viaProxy, ledger)
                                    .pingInterval(pingInterval)
                                    .pingTimeout(pingTimeout),
                            ledger);
                    Traffic traffic = new Traffic(ledger, db::connect, 200).start()) {
                for (int round = 1; round <= 4; round++) {
                    steady(traffic, 100);
                    ledger.faultBegins();
                    long cut = System.nanoTime();
                    proxy.blackhole();
                    int expected = round;
                    await().atMost(Duration.ofSeconds(10)).until(() -> ledger.disconnects() == expected);
                    detections.add(Duration.ofNanos(System.nanoTime() - cut));
                    proxy.restore();
                    await().atMost(Duration.ofSeconds(10)).until(() -> ledger.reconnects() == expected);
                }
                steady(traffic, 100);
                long maxMillis =
                        detections.stream().mapToLong(Duration::toMillis).max().orElseThrow();
                settle(
                        traffic,
                        ledger,
                        "network cut without FIN/RST (blackhole)",
                        4,
                        "detection "
                                + detections.stream().map(Duration::toMillis).toList()
                                + " ms; bound ping interval + ping timeout = 1500 ms");
                assertThat(maxMillis)
                        .isLessThanOrEqualTo(pingInterval.plus(pingTimeout).toMillis() + 500);
            }
        }
    }

    @Test
    void refusedConnectionsBackOffByTheMultiplierWithJitterUpToTheCapThenFail() throws Exception {
        DeliveryLedger ledger = new DeliveryLedger("refused.", 2);
        List<Long> attemptTimes = new CopyOnWriteArrayList<>();
        try (TcpProxy proxy = new TcpProxy(db.port())) {
            ConnectionProvider viaProxy = viaProxy(proxy);
            ConnectionProvider timed = () -> {
                attemptTimes.add(System.nanoTime());
                return viaProxy.getConnection();
            };
            double multiplier = 2.0;
            double jitter = 0.2;
            Duration initial = Duration.ofMillis(100);
            Duration cap = Duration.ofMillis(800);
            int maxAttempts = 8;
            List<Long> gaps = new ArrayList<>();
            try (Notifier notifier = listening(
                            builder("refused", timed, ledger)
                                    .reconnectInterval(initial)
                                    .maxReconnectInterval(cap)
                                    .reconnectBackoffMultiplier(multiplier)
                                    .reconnectJitter(jitter)
                                    .maxReconnectAttempts(maxAttempts),
                            ledger);
                    Traffic traffic = new Traffic(ledger, db::connect, 200).start()) {
                for (int round = 1; round <= 3; round++) {
                    steady(traffic, 50);
                    attemptTimes.clear();
                    ledger.faultBegins();
                    proxy.refuse();
                    if (round < 3) {
                        await().atMost(Duration.ofSeconds(10)).until(() -> attemptTimes.size() >= 5);
                        proxy.restore();
                        int expected = round;
                        await().atMost(Duration.ofSeconds(10)).until(() -> ledger.reconnects() == expected);
                    } else {
                        await().atMost(Duration.ofSeconds(20)).until(() -> notifier.state() == NotifierState.FAILED);
                    }
                    List<Long> times = List.copyOf(attemptTimes);
                    // Between attempt k and k+1 lies the delay after k failures: initial * multiplier^(k-1), capped,
                    // ±jitter. The refused connect itself takes a few ms on loopback and a loaded machine may wake the
                    // retry late; the 300 ms of slack still catches a missing cap (800 * 2 * 0.8 > 800 * 1.2 + 300).
                    for (int k = 1; k + 1 < times.size() && k < maxAttempts; k++) {
                        long gap = TimeUnit.NANOSECONDS.toMillis(times.get(k) - times.get(k - 1));
                        long base = (long) Math.min(cap.toMillis(), initial.toMillis() * Math.pow(multiplier, k - 1));
                        if (round == 3) {
                            gaps.add(gap);
                        }
                        assertThat(gap)
                                .as("round %d, delay after %d failure(s)", round, k)
                                .isBetween((long) (base * (1 - jitter)) - 5, (long) (base * (1 + jitter)) + 300);
                    }
                }
                assertThat(attemptTimes).hasSize(maxAttempts);
                assertThat(ledger.errors())
                        .last()
                        .satisfies(e -> assertThat(e).hasMessageContaining("Gave up after 8 failed"));
                await().during(Duration.ofSeconds(1))
                        .atMost(Duration.ofSeconds(3))
                        .until(() -> attemptTimes.size() == maxAttempts);
                settleWithoutReconnect(
                        traffic,
                        ledger,
                        "connection refused (proxy closed), then FAILED after max attempts",
                        3,
                        "gaps between attempts " + gaps + " ms; expected 100,200,400,800,800,... ±20%");
            }
        }
    }

    @Test
    void aProviderThatThrowsOnSomeAttemptsIsSurvivedEveryFailureReportedAndRetried() throws Exception {
        DeliveryLedger ledger = new DeliveryLedger("flaky.", 2);
        AtomicInteger calls = new AtomicInteger();
        ConnectionProvider direct = direct();
        ConnectionProvider flaky = () -> {
            int call = calls.incrementAndGet();
            // After the first, every reconnect meets an SQLException, then an unchecked exception, then a connection.
            if (call > 1 && call % 3 == 2) {
                throw new SQLException("provider refuses call " + call);
            }
            if (call > 1 && call % 3 == 0) {
                throw new IllegalStateException("provider bug on call " + call);
            }
            return direct.getConnection();
        };
        int rounds = 6;
        try (Notifier notifier = listening(builder("flaky", flaky, ledger), ledger);
                Traffic traffic = new Traffic(ledger, db::connect, 300).start()) {
            for (int round = 1; round <= rounds; round++) {
                steady(traffic, 50);
                ledger.faultBegins();
                db.execute("SELECT pg_terminate_backend(" + notifier.status().backendPid() + ")");
                int expected = round;
                await().atMost(Duration.ofSeconds(10)).until(() -> ledger.reconnects() == expected);
            }
            steady(traffic, 50);
            settle(traffic, ledger, "connection provider throws (SQLException, unchecked)", rounds, "2 failures/round");
            assertThat(ledger.attempts()).containsOnly(3).hasSize(rounds);
            assertThat(ledger.errors()).hasSize(2 * rounds);
            assertThat(ledger.errors().stream().filter(e -> e instanceof SQLException))
                    .hasSize(rounds);
            assertThat(ledger.errors().stream().filter(e -> e instanceof IllegalStateException))
                    .hasSize(rounds);
        }
    }

    @Test
    void notificationsReadTogetherWithTheBackendsTerminationAreStillDelivered() throws Exception {
        // pgjdbc reads every message buffered: the notifications the server sent before it was killed and then the
        // FATAL error, which it throws, keeping the notifications it had read. They were sent while listening.
        DeliveryLedger ledger = new DeliveryLedger("unused.", 0);
        List<String> received = new CopyOnWriteArrayList<>();
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch gate = new CountDownLatch(1);
        try (TcpProxy proxy = new TcpProxy(db.port());
                Notifier notifier = listening(
                        builder("salvage", viaProxy(proxy), ledger)
                                .bufferSize(1)
                                .overflowPolicy(OverflowPolicy.BLOCK),
                        ledger)) {
            notifier.subscribe("held", n -> {
                if (n.payload().equals("gate")) {
                    entered.countDown();
                    gate.await(20, TimeUnit.SECONDS);
                }
                received.add(n.payload());
            });
            notifier.publish("held", "gate");
            assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();
            notifier.publish("held", "fill");
            notifier.publish("held", "x0");
            // The reading thread now waits for room in the buffer; what follows stays unread in its socket.
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> readerStack("salvage").contains("Dispatcher.offer"));
            long sentBefore = proxy.serverBytes();
            for (int i = 1; i <= 5; i++) {
                notifier.publish("held", "x" + i);
            }
            // The backend must have sent them before it is terminated, or they were never sent while listening:
            // each is a NotificationResponse of 1 + 4 + 4 + "held\0" + "xN\0" = 17 bytes.
            await().atMost(Duration.ofSeconds(5)).until(() -> proxy.serverBytes() - sentBefore >= 5 * 17);
            int pid = notifier.status().backendPid();
            db.execute("SELECT pg_terminate_backend(" + pid + ")");
            await().atMost(Duration.ofSeconds(5)).until(() -> backendGone(pid));
            gate.countDown();

            await().atMost(Duration.ofSeconds(10)).until(() -> ledger.reconnects() == 1);
            await().atMost(Duration.ofSeconds(5)).until(() -> received.size() >= 7);
            assertThat(received).containsExactly("gate", "fill", "x0", "x1", "x2", "x3", "x4", "x5");
        }
    }

    /** The stack of the notifier's thread that reads (the listener thread or a worker), if it waits in offer(). */
    private static String readerStack(String name) {
        return Thread.getAllStackTraces().entrySet().stream()
                .filter(e -> e.getKey().getName().startsWith("pgnotify-" + name + "-"))
                .map(e -> java.util.Arrays.toString(e.getValue()))
                .filter(stack -> stack.contains("Dispatcher.offer"))
                .findFirst()
                .orElse("");
    }

    private static boolean backendGone(int pid) throws SQLException {
        try (Connection c = db.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE pid = " + pid)) {
            rs.next();
            return rs.getInt(1) == 0;
        }
    }

    @Test
    void aHundredReconnectsInARowEachTakeAFreshConnection() throws Exception {
        DeliveryLedger ledger = new DeliveryLedger("hundred.", 2);
        AtomicInteger provided = new AtomicInteger();
        ConnectionProvider direct = direct();
        Set<Integer> pids = java.util.concurrent.ConcurrentHashMap.newKeySet();
        ConnectionProvider counting = () -> {
            provided.incrementAndGet();
            return direct.getConnection();
        };
        int rounds = 100;
        try (Notifier notifier = listening(builder("hundred", counting, ledger), ledger);
                Traffic traffic = new Traffic(ledger, db::connect, 300).start()) {
            try (Connection killer = db.connect();
                    Statement statement = killer.createStatement()) {
                for (int round = 1; round <= rounds; round++) {
                    steady(traffic, 30);
                    int pid = notifier.status().backendPid();
                    pids.add(pid);
                    ledger.faultBegins();
                    statement.execute("SELECT pg_terminate_backend(" + pid + ")");
                    int expected = round;
                    await().atMost(Duration.ofSeconds(10)).until(() -> ledger.reconnects() == expected);
                }
            }
            pids.add(notifier.status().backendPid());
            steady(traffic, 50);
            settle(traffic, ledger, "100 reconnects in a row", rounds, "each from a fresh provider connection");
            assertThat(provided).hasValue(rounds + 1);
            assertThat(pids).hasSize(rounds + 1);
        }
    }

    @Test
    void aListenerRoleWithALowIdleSessionTimeoutKeepsRecoveringAndAnnouncingTheGaps() throws Exception {
        db.execute("DROP ROLE IF EXISTS idler");
        db.execute("CREATE ROLE idler LOGIN PASSWORD 'idler'");
        db.execute("ALTER ROLE idler SET idle_session_timeout = '1s'");
        // The server ends the session without the test's doing: the few sends committed in the moment before the
        // listener reads the termination are in the gap that the reconnect announces.
        DeliveryLedger ledger = new DeliveryLedger("idle.", 2, Duration.ofMillis(250), null);
        ConnectionProvider asIdler = ConnectionProvider.of(db.url(), "idler", "idler");
        try (Notifier notifier =
                        listening(builder("idle", asIdler, ledger).pingInterval(Duration.ofSeconds(3)), ledger);
                Traffic traffic = new Traffic(ledger, db::connect, 100).start()) {
            await().atMost(Duration.ofSeconds(30)).until(() -> ledger.reconnects() >= 4);
            await().atMost(Duration.ofSeconds(10)).until(ledger::listening);
            DeliveryLedger.Result result = settle(
                    traffic,
                    ledger,
                    "idle_session_timeout = 1s on the listener's role (ping every 3 s)",
                    ledger.reconnects(),
                    "100/s over 2 channels; sends up to 250 ms before an unmarked disconnect count as gap");
            assertThat(result.downtimes()).hasSizeGreaterThanOrEqualTo(4);
            assertThat(ledger.errors()).isEmpty();
        } finally {
            db.execute("DROP ROLE IF EXISTS idler");
        }
    }

    @Test
    void shutdownWhileAConnectionAttemptIsUnderwayStartsNoFurtherAttemptAndClosesWhatItGot() throws Exception {
        for (int round = 1; round <= 3; round++) {
            String name = "stopping" + round;
            DeliveryLedger ledger = new DeliveryLedger(name + ".", 1);
            AtomicInteger attempts = new AtomicInteger();
            CountDownLatch entered = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            AtomicBoolean interruptedInProvider = new AtomicBoolean();
            ConnectionProvider direct = direct();
            ConnectionProvider slow = () -> {
                if (attempts.incrementAndGet() > 1) {
                    entered.countDown();
                    // A provider stuck in a slow connect, as a DNS lookup or TCP handshake is: not interruptible.
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                    while (release.getCount() > 0 && System.nanoTime() < deadline) {
                        try {
                            release.await(10, TimeUnit.MILLISECONDS);
                        } catch (InterruptedException e) {
                            interruptedInProvider.set(true);
                        }
                    }
                }
                return direct.getConnection();
            };
            Notifier notifier = listening(builder(name, slow, ledger), ledger);
            db.execute("SELECT pg_terminate_backend(" + notifier.status().backendPid() + ")");
            assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();

            CompletableFuture<Boolean> shutdown =
                    CompletableFuture.supplyAsync(() -> notifier.shutdown(Duration.ofSeconds(5)));
            await().atMost(Duration.ofSeconds(5)).until(() -> notifier.state() == NotifierState.STOPPING);
            release.countDown();

            assertThat(shutdown.get(10, TimeUnit.SECONDS)).isTrue();
            await().during(Duration.ofMillis(700)).atMost(Duration.ofSeconds(3)).until(() -> attempts.get() == 2);
            NotifierLifecycleTests.assertNoThreads(name);
            await().atMost(Duration.ofSeconds(5)).until(() -> sessions("pgnotify-" + name) == 0);
        }
        ReliabilityReport.record(
                "shutdown while a connection attempt is underway",
                3,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                Duration.ZERO,
                Duration.ZERO,
                "no further attempt; the connection obtained meanwhile is closed; no thread, no session");
    }

    static int sessions(String applicationName) throws SQLException {
        try (Connection c = db.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT count(*) FROM pg_stat_activity WHERE application_name = '" + applicationName + "'")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
