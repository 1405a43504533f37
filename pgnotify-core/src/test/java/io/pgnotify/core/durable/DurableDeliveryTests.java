package io.pgnotify.core.durable;

import static io.pgnotify.core.durable.DurableFixture.publish;
import static io.pgnotify.core.durable.DurableFixture.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgnotify.core.Notifier;
import io.pgnotify.testing.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Guarantees 1, 2, 3 and 8 of durable channels, on a real server. */
class DurableDeliveryTests {

    private final DurableFixture fixture = new DurableFixture();

    @BeforeAll
    static void schema() {
        DurableFixture.installSchema();
    }

    @AfterEach
    void close() throws Exception {
        fixture.close();
    }

    @Test
    void everyCommittedMessageReachesEveryGroupAndNoRolledBackOneDoes() throws Exception {
        String channel = unique("orders");
        DurableFixture.Recorder billing = new DurableFixture.Recorder();
        DurableFixture.Recorder shipping = new DurableFixture.Recorder();
        DurableChannels durable = fixture.durable(b -> b.batchSize(7));
        durable.subscribe(channel, "billing", billing);
        durable.subscribe(channel, "shipping", shipping);
        durable.start();

        List<String> committed = new ArrayList<>();
        try (Connection c = TestDatabase.shared().connect()) {
            c.setAutoCommit(false);
            for (int i = 1; i <= 120; i++) {
                DurablePublisher.publish(c, channel, null, "m" + i);
                if (i % 3 == 0) {
                    c.rollback();
                } else {
                    c.commit();
                    committed.add("m" + i);
                }
            }
        }

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(billing.payloads()).containsExactlyElementsOf(committed);
            assertThat(shipping.payloads()).containsExactlyElementsOf(committed);
        });
        assertThat(billing.handled).allSatisfy(m -> assertThat(m.attempt()).isEqualTo(1));
    }

    @Test
    void aTransactionThatDrewAnEarlierIdAndCommitsLaterIsNotSkipped() throws Exception {
        String channel = unique("late");
        DurableFixture.Recorder group = new DurableFixture.Recorder();
        DurableChannels durable = fixture.durable(b -> b);
        durable.subscribe(channel, "g", group);
        durable.start();
        publish(channel, "before");
        await().atMost(Duration.ofSeconds(10)).until(() -> group.handled.size() == 1);

        ExecutorService second = Executors.newSingleThreadExecutor();
        try (Connection first = TestDatabase.shared().connect();
                Connection other = TestDatabase.shared().connect()) {
            first.setAutoCommit(false);
            other.setAutoCommit(false);
            long firstId = DurablePublisher.publish(first, channel, null, "first-begun");
            int otherPid = pid(other);
            Future<Long> otherId = second.submit(() -> {
                long id = DurablePublisher.publish(other, channel, null, "second-begun");
                other.commit();
                return id;
            });
            // The second transaction is parked on the channel's lock, before drawing an id: it cannot commit first
            // with a higher id while the first is open.
            await().atMost(Duration.ofSeconds(10)).until(() -> waitingOnLock(otherPid));
            publish(unique("elsewhere"), "other channels are not held up");
            assertThat(group.payloads()).containsExactly("before");

            first.commit();
            assertThat(otherId.get()).isGreaterThan(firstId);
        } finally {
            second.shutdownNow();
        }
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(
                        () -> assertThat(group.payloads()).containsExactly("before", "first-begun", "second-begun"));
    }

    @Test
    void twoTransactionsHeldOpenAndCommittedInTheWrongOrderAreBothDeliveredInCommitOrder() throws Exception {
        String channel = unique("wrong-order");
        DurableFixture.Recorder group = new DurableFixture.Recorder();
        DurableChannels durable = fixture.durable(b -> b);
        durable.subscribe(channel, "g", group);
        durable.start();

        // Both transactions are open at once: the one that began first draws its id first only if it publishes
        // first. Here the later one publishes first and commits last, the earlier one publishes second.
        try (Connection early = TestDatabase.shared().connect();
                Connection late = TestDatabase.shared().connect()) {
            early.setAutoCommit(false);
            late.setAutoCommit(false);
            execute(early, "SELECT pg_current_xact_id()");
            execute(late, "SELECT pg_current_xact_id()");
            DurablePublisher.publish(late, channel, null, "late-xid");
            int earlyPid = pid(early);
            CompletableFuture<Void> earlyPublish = CompletableFuture.runAsync(() -> {
                try {
                    DurablePublisher.publish(early, channel, null, "early-xid");
                    early.commit();
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            await().atMost(Duration.ofSeconds(10)).until(() -> waitingOnLock(earlyPid));
            late.commit();
            earlyPublish.get();
        }
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(group.payloads()).containsExactly("late-xid", "early-xid"));
    }

    @Test
    void aRolledBackTransactionsHoleInTheIdsStallsNothing() throws Exception {
        String channel = unique("hole");
        DurableFixture.Recorder group = new DurableFixture.Recorder();
        DurableChannels durable = fixture.durable(b -> b);
        durable.subscribe(channel, "g", group);
        durable.start();
        try (Connection c = TestDatabase.shared().connect()) {
            c.setAutoCommit(false);
            for (int i = 0; i < 50; i++) {
                DurablePublisher.publish(c, channel, null, "rolled-back");
            }
            c.rollback();
        }
        publish(channel, "after the hole");
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(group.payloads()).containsExactly("after the hole"));
    }

    @Test
    void concurrentProducersAreHandledInCommitOrderOneAtATime() throws Exception {
        String channel = unique("commit-order");
        AtomicInteger inHandler = new AtomicInteger();
        AtomicInteger maxInHandler = new AtomicInteger();
        List<Long> stamps = new java.util.concurrent.CopyOnWriteArrayList<>();
        DurableChannels durable = fixture.durable(b -> b.batchSize(13));
        durable.subscribe(channel, "g", message -> {
            maxInHandler.accumulateAndGet(inHandler.incrementAndGet(), Math::max);
            stamps.add(Long.parseLong(message.payload()));
            inHandler.decrementAndGet();
        });
        durable.start();
        String sequence = "pgnotify_test_" + channel.replace('-', '_');
        TestDatabase.shared().execute("CREATE SEQUENCE " + sequence);

        // Each producer stamps its message from a sequence while it holds the channel's publishing lock, so stamp
        // order is the order in which the producers committed.
        ExecutorService producers = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int p = 0; p < 4; p++) {
                done.add(producers.submit(() -> {
                    try (Connection c = TestDatabase.shared().connect()) {
                        c.setAutoCommit(false);
                        for (int i = 0; i < 50; i++) {
                            execute(c, "SELECT pg_advisory_xact_lock(1885826414, hashtext('" + channel + "'))");
                            long stamp = single(c, "SELECT nextval('" + sequence + "')");
                            DurablePublisher.publish(c, channel, null, Long.toString(stamp));
                            c.commit();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            producers.shutdownNow();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> stamps.size() == 200);
        assertThat(stamps)
                .containsExactlyElementsOf(
                        IntStream.rangeClosed(1, 200).mapToObj(Long::valueOf).toList());
        assertThat(maxInHandler).hasValue(1);
    }

    @Test
    void theDoorbellWakesAConsumerLongBeforeItsPoll() throws Exception {
        String channel = unique("bell");
        DurableFixture.Recorder group = new DurableFixture.Recorder();
        DurableChannels durable = fixture.durable(b -> b.pollInterval(Duration.ofMinutes(5)));
        durable.subscribe(channel, "g", group);
        durable.start();
        // The group's first lease is taken before any message: wait for it so the poll has started its long wait.
        await().atMost(Duration.ofSeconds(10))
                .until(() -> durable.groups().stream().anyMatch(s -> s.channel().equals(channel) && s.owner() != null));
        publish(channel, "ding");
        await().atMost(Duration.ofSeconds(5)).until(() -> group.handled.size() == 1);
    }

    @Test
    void aTransactionPublishingManyMessagesRingsTheDoorbellOnce() throws Exception {
        String channel = unique("once");
        Notifier watcher = fixture.notifier();
        List<String> rings = new java.util.concurrent.CopyOnWriteArrayList<>();
        watcher.subscribe(DurableChannels.DOORBELL, n -> rings.add(n.payload()));
        try (Connection c = TestDatabase.shared().connect()) {
            c.setAutoCommit(false);
            for (int i = 0; i < 20; i++) {
                DurablePublisher.publish(c, channel, null, "m" + i);
            }
            DurablePublisher.publishAll(c, channel, List.of("a", "b", "c"));
            c.commit();
        }
        // A second transaction: its ring shows the first one's has been delivered, and was the only one.
        publish(channel, "last");
        await().atMost(Duration.ofSeconds(10)).until(() -> rings.size() >= 2);
        assertThat(rings).hasSize(2);
    }

    @Test
    void theFallbackPollDeliversWithoutAnyDoorbell() throws Exception {
        String channel = unique("no-bell");
        DurableFixture.Recorder group = new DurableFixture.Recorder();
        // A notifier that is never started hears no doorbell.
        Notifier deaf = Notifier.builder(DurableFixture.provider()).build();
        try (deaf) {
            DurableChannels durable = fixture.durable(deaf, b -> b.pollInterval(Duration.ofMillis(200)));
            durable.subscribe(channel, "g", group);
            durable.start();
            publish(channel, "polled");
            await().atMost(Duration.ofSeconds(10)).until(() -> group.handled.size() == 1);
            durable.close();
        }
    }

    @Test
    void publishAllInsertsEveryPayloadInOrderInOneStatement() throws Exception {
        String channel = unique("all");
        DurableFixture.Recorder group = new DurableFixture.Recorder();
        DurableChannels durable = fixture.durable(b -> b);
        durable.subscribe(channel, "g", group);
        durable.start();
        List<String> payloads = IntStream.range(0, 1000).mapToObj(i -> "p" + i).toList();
        try (Connection c = TestDatabase.shared().connect()) {
            DurablePublisher.publishAll(c, channel, payloads);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> group.handled.size() == 1000);
        assertThat(group.payloads()).containsExactlyElementsOf(payloads);
    }

    @Test
    void aNewGroupStartingFromLatestSkipsWhatWasPublishedBefore() throws Exception {
        String channel = unique("latest");
        publish(channel, "old");
        DurableFixture.Recorder group = new DurableFixture.Recorder();
        DurableChannels durable = fixture.durable(b -> b.startFrom(StartFrom.LATEST));
        durable.subscribe(channel, "g", group);
        durable.start();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> durable.groups().stream().anyMatch(s -> s.channel().equals(channel) && s.owner() != null));
        publish(channel, "new");
        await().atMost(Duration.ofSeconds(10)).until(() -> group.handled.size() == 1);
        assertThat(group.payloads()).containsExactly("new");
    }

    static int pid(Connection c) throws SQLException {
        return (int) single(c, "SELECT pg_backend_pid()");
    }

    static boolean waitingOnLock(int pid) throws SQLException {
        try (Connection c = TestDatabase.shared().connect();
                PreparedStatement s =
                        c.prepareStatement("SELECT count(*) FROM pg_locks WHERE pid = ? AND NOT granted")) {
            s.setInt(1, pid);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getInt(1) > 0;
            }
        }
    }

    static long single(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static void execute(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
