package io.pgnotify.core;

import static io.pgnotify.core.ReliabilityFaultTests.settle;
import static io.pgnotify.core.ReliabilityFaultTests.steady;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.pgnotify.testing.DeliveryLedger;
import io.pgnotify.testing.PrivateDatabase;
import io.pgnotify.testing.ReliabilityReport;
import io.pgnotify.testing.Traffic;
import java.io.File;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Load: an external publisher at full speed, a thousand channels, slow consumers, a full buffer at shutdown, soak. */
class ReliabilityLoadTests {

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
        ConnectionProvider direct = ConnectionProvider.of(db.url(), db.user(), db.password());
        return Notifier.builder(direct)
                .name(name)
                .applicationName("pgnotify-" + name)
                .reconnectInterval(Duration.ofMillis(100))
                .maxReconnectInterval(Duration.ofMillis(500));
    }

    private static int sessions(String applicationName) throws SQLException {
        try (Connection c = db.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT count(*) FROM pg_stat_activity WHERE application_name = '" + applicationName + "'")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static Optional<Path> pgbench() {
        Stream<Path> candidates = Stream.of(Path.of("/usr/bin/pgbench"));
        File[] versions = new File("/usr/lib/postgresql").listFiles();
        if (versions != null) {
            candidates = Stream.concat(
                    candidates, Stream.of(versions).map(v -> v.toPath().resolve("bin/pgbench")));
        }
        return candidates.filter(Files::isExecutable).findFirst();
    }

    @Test
    void pgbenchPublishingAHundredThousandAtFullSpeedLosesAndReordersNothing() throws Exception {
        Optional<Path> pgbench = pgbench();
        assumeTrue(pgbench.isPresent(), "pgbench is installed");
        int clients = 4;
        int perClient = 25_000;
        for (int client = 0; client < clients; client++) {
            db.execute("DROP SEQUENCE IF EXISTS seq_c" + client);
            db.execute("CREATE SEQUENCE seq_c" + client);
        }
        Path script = Files.createTempFile("pgnotify-bench-", ".sql");
        // One counter per client: pgbench's \set does not carry over from one transaction to the next.
        Files.writeString(
                script,
                "SELECT pg_notify('bench_' || (:client_id % 4), :client_id || ':' || nextval('seq_c' || :client_id));\n");
        Map<Integer, AtomicLong> last = new ConcurrentHashMap<>();
        AtomicLong received = new AtomicLong();
        AtomicLong outOfOrder = new AtomicLong();
        AtomicLong duplicates = new AtomicLong();
        AtomicLong skipped = new AtomicLong();
        AtomicLong lastArrival = new AtomicLong();
        try (Notifier notifier = builder("pgbench").bufferSize(1000).build()) {
            for (int channel = 0; channel < 4; channel++) {
                notifier.subscribe("bench_" + channel, n -> {
                    String[] parts = n.payload().split(":");
                    long seq = Long.parseLong(parts[1]);
                    long previous = last.computeIfAbsent(Integer.parseInt(parts[0]), k -> new AtomicLong())
                            .getAndSet(seq);
                    if (seq == previous) {
                        duplicates.incrementAndGet();
                    } else if (seq < previous) {
                        outOfOrder.incrementAndGet();
                    } else if (seq > previous + 1) {
                        skipped.addAndGet(seq - previous - 1);
                    }
                    received.incrementAndGet();
                    lastArrival.set(System.nanoTime());
                });
            }
            notifier.start();
            await().atMost(Duration.ofSeconds(20)).until(() -> notifier.state() == NotifierState.LISTENING);

            long start = System.nanoTime();
            ProcessBuilder process = new ProcessBuilder(
                            pgbench.get().toString(),
                            "-n",
                            "-c",
                            Integer.toString(clients),
                            "-j",
                            "2",
                            "-t",
                            Integer.toString(perClient),
                            "-f",
                            script.toString(),
                            "-h",
                            "127.0.0.1",
                            "-p",
                            Integer.toString(db.port()),
                            "-U",
                            db.user(),
                            "postgres")
                    .redirectErrorStream(true);
            process.environment().put("PGPASSWORD", db.password());
            Process bench = process.start();
            String output = new String(bench.getInputStream().readAllBytes());
            assertThat(bench.waitFor(120, TimeUnit.SECONDS)).isTrue();
            assertThat(bench.exitValue()).as(output).isZero();
            long published = System.nanoTime();
            int total = clients * perClient;
            // Until all arrived, or nothing more arrives for a second (something was lost: fail fast below).
            long[] previous = {-1};
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofSeconds(1))
                    .until(() -> {
                        long now = received.get();
                        boolean stalled = now == previous[0];
                        previous[0] = now;
                        return now >= total || stalled;
                    });
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> received.get() <= total);
            assertThat(received).hasValue(total);

            assertThat(last.keySet()).hasSize(clients);
            assertThat(last.values()).allSatisfy(seq -> assertThat(seq).hasValue(perClient));
            assertThat(skipped).hasValue(0);
            assertThat(duplicates).hasValue(0);
            assertThat(outOfOrder).hasValue(0);
            String tps =
                    output.lines().filter(l -> l.startsWith("tps")).findFirst().orElse("");
            ReliabilityReport.record(
                    "external publisher: pgbench -c 4 -j 2, 4 channels, full speed",
                    1,
                    total,
                    received.get(),
                    skipped.get(),
                    duplicates.get(),
                    outOfOrder.get(),
                    0,
                    0,
                    Duration.ZERO,
                    Duration.ZERO,
                    "published in " + TimeUnit.NANOSECONDS.toMillis(published - start) + " ms (" + tps.trim()
                            + "); last one handled " + TimeUnit.NANOSECONDS.toMillis(lastArrival.get() - published)
                            + " ms after pgbench ended");
        } finally {
            Files.deleteIfExists(script);
        }
    }

    @Test
    void aThousandChannelsOnOneConnectionSubscribeDeliverReconnectAndUnsubscribeInBulk() throws Exception {
        int count = 1000;
        List<String> channels =
                IntStream.range(0, count).mapToObj(i -> "many." + i).toList();
        Map<String, AtomicInteger> received = new ConcurrentHashMap<>();
        NotificationHandler counting = n ->
                received.computeIfAbsent(n.channel(), k -> new AtomicInteger()).incrementAndGet();
        DeliveryLedger hooks = new DeliveryLedger("unused.", 0);
        try (Notifier notifier = builder("many").listener(hooks).build()) {
            // Subscribed before start: all LISTENed in one statement at connect.
            List<Subscription> subscriptions = new ArrayList<>();
            for (String channel : channels) {
                subscriptions.add(notifier.subscribe(channel, counting));
            }
            long start = System.nanoTime();
            notifier.start();
            await().atMost(Duration.ofSeconds(20)).until(() -> notifier.state() == NotifierState.LISTENING);
            long startMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(notifier.status().listenedChannels()).hasSize(count);

            for (int round = 1; round <= 3; round++) {
                hooks.faultBegins();
                db.execute("SELECT pg_terminate_backend(" + notifier.status().backendPid() + ")");
                int expected = round;
                await().atMost(Duration.ofSeconds(10)).until(() -> hooks.reconnects() == expected);
                assertThat(notifier.status().listenedChannels()).hasSize(count);
            }
            String notifyAll = "SELECT pg_notify('many.' || i, i::text) FROM generate_series(0, " + (count - 1) + ") i";
            db.execute(notifyAll);
            await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == count);

            // Unsubscribed all while listening: UNLISTENed in bulk.
            long unsubscribeStart = System.nanoTime();
            subscriptions.forEach(Subscription::unsubscribe);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> notifier.status().listenedChannels().isEmpty());
            long unsubscribeMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - unsubscribeStart);
            db.execute(notifyAll);

            // Subscribed again while listening: each subscribe returns once its channel is listened to.
            long subscribeStart = System.nanoTime();
            for (String channel : channels) {
                notifier.subscribe(channel, counting);
            }
            long subscribeMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - subscribeStart);
            assertThat(notifier.status().listenedChannels()).hasSize(count);
            db.execute(notifyAll);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> received.values().stream().allMatch(c -> c.get() == 2));
            await().during(Duration.ofMillis(300))
                    .atMost(Duration.ofSeconds(2))
                    .until(() -> received.values().stream().allMatch(c -> c.get() == 2));

            DeliveryLedger.Result result = hooks.result();
            ReliabilityReport.record(
                    "1,000 channels on one connection",
                    3,
                    3 * count,
                    received.values().stream().mapToInt(AtomicInteger::get).sum(),
                    0,
                    0,
                    0,
                    count,
                    0,
                    result.downtimeP50(),
                    result.downtimeMax(),
                    "start with 1,000 subscribed " + startMillis + " ms; unsubscribe all " + unsubscribeMillis
                            + " ms; 1,000 live subscribes " + subscribeMillis
                            + " ms; 3 reconnects re-LISTEN all; 1,000 sent while unsubscribed not delivered");
        }
    }

    @Test
    void underBlockASlowConsumerLosesNothingWhileTheServerQueueTakesTheBacklog() throws Exception {
        int total = 30_000;
        String padding = "x".repeat(1000);
        CountDownLatch gate = new CountDownLatch(1);
        List<Long> seen = Collections.synchronizedList(new ArrayList<>());
        double usageSeen;
        try (Notifier notifier = builder("block")
                .bufferSize(16)
                .overflowPolicy(OverflowPolicy.BLOCK)
                .build()) {
            notifier.subscribe("block", n -> {
                gate.await(60, TimeUnit.SECONDS); // the consumer is stuck until the test lets it go
                seen.add(Long.parseLong(n.payload().substring(0, n.payload().indexOf(':'))));
            });
            notifier.start();
            await().atMost(Duration.ofSeconds(20)).until(() -> notifier.state() == NotifierState.LISTENING);
            for (int from = 0; from < total; from += 1000) {
                int first = from;
                notifier.publishAll(
                        "block",
                        IntStream.range(first, first + 1000)
                                .mapToObj(i -> i + ":" + padding)
                                .toList());
            }
            // 30 MB is more than the socket buffers hold: the listening backend stops reading the queue.
            await().atMost(Duration.ofSeconds(20)).until(() -> queueUsage() > 0);
            usageSeen = queueUsage();
            assertThat(notifier.status().buffered()).isEqualTo(16);
            gate.countDown();
            await().atMost(Duration.ofSeconds(60)).until(() -> seen.size() == total);
            assertThat(seen).isEqualTo(LongStreamRange.of(total));
            await().atMost(Duration.ofSeconds(10)).until(() -> queueUsage() == 0);
        }
        ReliabilityReport.record(
                "slow consumer, BLOCK (buffer 16, consumer stuck)",
                1,
                total,
                seen.size(),
                0,
                0,
                0,
                0,
                0,
                Duration.ZERO,
                Duration.ZERO,
                "pg_notification_queue_usage() rose to " + usageSeen + " while blocked; back to 0 after");
    }

    @Test
    void aConsumerBlockingTheListenerLongerThanThePingTimeoutCausesNoReconnectAndLosesNothing() throws Exception {
        // Under BLOCK the listener thread waits for room while a probe it sent may be waiting, unread, in the socket:
        // that is a slow consumer, not a connection that does not deliver.
        DeliveryLedger ledger = new DeliveryLedger("blocked.", 2);
        try (Notifier notifier = ReliabilityFaultTests.listening(
                        builder("blocked")
                                .bufferSize(8)
                                .overflowPolicy(OverflowPolicy.BLOCK)
                                .pingInterval(Duration.ofMillis(100))
                                .pingTimeout(Duration.ofMillis(500))
                                .listener(ledger),
                        ledger);
                Traffic traffic = new Traffic(ledger, db::connect, 300).start()) {
            AtomicInteger slowHandled = new AtomicInteger();
            notifier.subscribe("blocked.slow", n -> {
                TimeUnit.MILLISECONDS.sleep(300); // simulated work: the buffer stays full for seconds
                slowHandled.incrementAndGet();
            });
            for (int round = 1; round <= 3; round++) {
                steady(traffic, 100);
                notifier.publishAll(
                        "blocked.slow",
                        IntStream.range(0, 12).mapToObj(Integer::toString).toList());
                int expected = 12 * round;
                await().atMost(Duration.ofSeconds(30)).until(() -> slowHandled.get() == expected);
            }
            steady(traffic, 100);
            settle(
                    traffic,
                    ledger,
                    "slow consumer, BLOCK, listener blocked past the ping timeout (3 x ~3 s; ping timeout 500 ms)",
                    3,
                    "no reconnect: " + ledger.disconnects() + " disconnects");
            assertThat(ledger.disconnects()).isZero();
        }
    }

    private static double queueUsage() throws SQLException {
        try (Connection c = db.connect();
                ResultSet rs = c.createStatement().executeQuery("SELECT pg_notification_queue_usage()")) {
            rs.next();
            return rs.getDouble(1);
        }
    }

    /** 0 to n-1 as a list of longs. */
    private static final class LongStreamRange {
        static List<Long> of(int n) {
            return java.util.stream.LongStream.range(0, n).boxed().toList();
        }
    }

    @Test
    void dropPoliciesDropExactlyWhatTheHooksReportBurstAfterBurst() throws Exception {
        for (OverflowPolicy policy : List.of(OverflowPolicy.DROP_NEWEST, OverflowPolicy.DROP_OLDEST)) {
            int channels = 3;
            int perBurst = 2000;
            int bursts = 4;
            Map<String, List<Long>> handled = new ConcurrentHashMap<>();
            Map<String, List<Long>> dropped = new ConcurrentHashMap<>();
            NotifierListener hooks = new NotifierListener() {
                @Override
                public void onDrop(Notification n) {
                    dropped.computeIfAbsent(n.channel(), k -> new CopyOnWriteArrayList<>())
                            .add(Long.parseLong(n.payload()));
                }
            };
            String name = "drop-" + policy.name().toLowerCase().replace('_', '-');
            try (Notifier notifier = builder(name)
                    .bufferSize(50)
                    .overflowPolicy(policy)
                    .listener(hooks)
                    .build()) {
                for (int c = 0; c < channels; c++) {
                    notifier.subscribe(name + "." + c, n -> {
                        TimeUnit.MICROSECONDS.sleep(500); // simulated work, slower than the publisher
                        handled.computeIfAbsent(n.channel(), k -> new CopyOnWriteArrayList<>())
                                .add(Long.parseLong(n.payload()));
                    });
                }
                notifier.start();
                await().atMost(Duration.ofSeconds(20)).until(() -> notifier.state() == NotifierState.LISTENING);
                for (int burst = 0; burst < bursts; burst++) {
                    int from = burst * perBurst;
                    for (int c = 0; c < channels; c++) {
                        notifier.publishAll(
                                name + "." + c,
                                IntStream.range(from, from + perBurst)
                                        .mapToObj(Integer::toString)
                                        .toList());
                    }
                }
                int total = channels * perBurst * bursts;
                await().atMost(Duration.ofSeconds(60)).until(() -> count(handled) + count(dropped) >= total);
                await().during(Duration.ofMillis(300))
                        .atMost(Duration.ofSeconds(2))
                        .until(() -> count(handled) + count(dropped) == total);
                for (int c = 0; c < channels; c++) {
                    String channel = name + "." + c;
                    List<Long> got = handled.getOrDefault(channel, List.of());
                    List<Long> lost = dropped.getOrDefault(channel, List.of());
                    assertThat(got).as("%s handled in order", channel).isSorted();
                    assertThat(lost).as("%s dropped in order", channel).isSorted();
                    Set<Long> all = new HashSet<>(got);
                    all.addAll(lost);
                    assertThat(all)
                            .as("%s: handled + dropped = sent, no overlap", channel)
                            .hasSize(perBurst * bursts)
                            .hasSize(got.size() + lost.size());
                }
                assertThat(count(dropped)).isPositive();
                ReliabilityReport.record(
                        "slow consumer, " + policy + " (buffer 50, 3 channels)",
                        bursts,
                        total,
                        count(handled),
                        0,
                        0,
                        0,
                        0,
                        0,
                        Duration.ZERO,
                        Duration.ZERO,
                        count(dropped) + " dropped, each reported to onDrop; handled + dropped = sent exactly");
            }
        }
    }

    private static long count(Map<String, List<Long>> map) {
        return map.values().stream().mapToLong(List::size).sum();
    }

    @Test
    void shutdownWithTenThousandBufferedEndsWithinTheTimeoutLeavingNoThreadOrSession() throws Exception {
        List<String> notes = new ArrayList<>();
        long handledInAll = 0;
        for (boolean slow : List.of(false, true)) {
            String name = slow ? "full-slow" : "full-fast";
            CountDownLatch gate = new CountDownLatch(1);
            AtomicLong handled = new AtomicLong();
            Notifier notifier = builder(name).bufferSize(20_000).build();
            for (int c = 0; c < 4; c++) {
                notifier.subscribe(name + "." + c, n -> {
                    gate.await(60, TimeUnit.SECONDS);
                    if (slow) {
                        TimeUnit.MILLISECONDS.sleep(5); // simulated work: 2,500 per channel take 12 s
                    }
                    handled.incrementAndGet();
                });
            }
            notifier.start();
            await().atMost(Duration.ofSeconds(20)).until(() -> notifier.state() == NotifierState.LISTENING);
            for (int c = 0; c < 4; c++) {
                notifier.publishAll(
                        name + "." + c,
                        IntStream.range(0, 2500).mapToObj(Integer::toString).toList());
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> notifier.status().buffered() == 10_000 - 4);

            Duration timeout = Duration.ofSeconds(slow ? 2 : 20);
            long start = System.nanoTime();
            gate.countDown();
            boolean clean = notifier.shutdown(timeout);
            Duration took = Duration.ofNanos(System.nanoTime() - start);

            assertThat(took).isLessThan(timeout.plusMillis(500));
            assertThat(clean).isEqualTo(!slow);
            if (!slow) {
                assertThat(handled).hasValue(10_000);
            }
            NotifierLifecycleTests.assertNoThreads(name);
            await().atMost(Duration.ofSeconds(5)).until(() -> sessions("pgnotify-" + name) == 0);
            handledInAll += handled.get();
            notes.add((slow ? "slow handlers, timeout 2 s: " : "fast handlers, timeout 20 s: ") + handled.get()
                    + " handled, returned " + clean + " after " + took.toMillis() + " ms");
        }
        ReliabilityReport.record(
                "shutdown with 10,000 buffered",
                2,
                20_000,
                handledInAll,
                0,
                0,
                0,
                0,
                0,
                Duration.ZERO,
                Duration.ZERO,
                String.join("; ", notes) + "; no pgnotify thread, no server session after");
    }

    @Test
    @Tag("soak")
    void soakUnderTrafficAndPeriodicFaultsKeepsHeapThreadsAndSessionsFlat() throws Exception {
        // CI runs one minute; an hour: ./mvnw -pl pgnotify-core verify -Dtest='ReliabilityLoadTests#soak*'
        //   -Dpgnotify.soak.minutes=60 -Dsurefire.failIfNoSpecifiedTests=false
        Duration length = Duration.ofMinutes(Long.getLong("pgnotify.soak.minutes", 1));
        DeliveryLedger ledger = new DeliveryLedger("soak.", 4);
        List<Long> heap = new ArrayList<>();
        List<Integer> threads = new ArrayList<>();
        List<Integer> serverSessions = new ArrayList<>();
        int faults = 0;
        try (Notifier notifier = ReliabilityFaultTests.listening(
                        builder("soak")
                                .bufferSize(1000)
                                .pingInterval(Duration.ofSeconds(2))
                                .listener(ledger),
                        ledger);
                Traffic traffic = new Traffic(ledger, db::connect, 500).start()) {
            long end = System.nanoTime() + length.toNanos();
            long nextSample = System.nanoTime();
            while (System.nanoTime() < end) {
                steady(traffic, 2500); // about five seconds
                if (System.nanoTime() - nextSample >= 0) {
                    heap.add(heapAfterGc());
                    threads.add(Thread.activeCount());
                    serverSessions.add(allSessions());
                    nextSample = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                }
                // A fault every five seconds.
                ledger.faultBegins();
                db.execute("SELECT pg_terminate_backend(" + notifier.status().backendPid() + ")");
                faults++;
                int expected = faults;
                await().atMost(Duration.ofSeconds(10)).until(() -> ledger.reconnects() == expected);
            }
            steady(traffic, 500);
            heap.add(heapAfterGc());
            threads.add(Thread.activeCount());
            serverSessions.add(allSessions());
            settle(
                    traffic,
                    ledger,
                    "soak " + length.toMinutes() + " min: 500/s, a backend kill every 5 s",
                    faults,
                    "heap after GC first/max/last " + heap.get(0) / 1024 + "/"
                            + Collections.max(heap) / 1024 + "/" + heap.get(heap.size() - 1) / 1024
                            + " KiB; threads " + threads + "; server sessions " + serverSessions);
        }
        // Flat: the last sample within a few MiB of the first, the same threads and sessions.
        assertThat(heap.get(heap.size() - 1)).isLessThan(heap.get(0) + 16 * 1024 * 1024);
        assertThat(threads.get(threads.size() - 1)).isLessThanOrEqualTo(threads.get(0) + 2);
        assertThat(serverSessions.get(serverSessions.size() - 1)).isLessThanOrEqualTo(serverSessions.get(0));
    }

    private static long heapAfterGc() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static int allSessions() throws SQLException {
        try (Connection c = db.connect();
                ResultSet rs = c.createStatement()
                        .executeQuery("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'")) {
            rs.next();
            return rs.getInt(1) - 1; // not this one
        }
    }
}
