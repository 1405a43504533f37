package io.pgnotify.core.durable;

import static io.pgnotify.core.durable.DurableFixture.publish;
import static io.pgnotify.core.durable.DurableFixture.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgnotify.testing.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Guarantees 4 and 5: competing instances of one group, one of them in a second JVM that is killed (SIGKILL) or
 * frozen past its lease (SIGSTOP) between its work and its acknowledgement.
 */
class DurableCompetingConsumersTests {

    private static final Duration LEASE = Duration.ofSeconds(2);

    private final DurableFixture fixture = new DurableFixture();

    @BeforeAll
    static void schema() {
        DurableFixture.installSchema();
        WorkerJvm.createTable();
    }

    @AfterEach
    void close() throws Exception {
        fixture.close();
    }

    @Test
    void instancesOfOneGroupHandleEachMessageOnceAndTheOtherTakesOverWhenOneStops() throws Exception {
        String channel = unique("compete");
        DurableFixture.Recorder first = new DurableFixture.Recorder();
        DurableFixture.Recorder second = new DurableFixture.Recorder();
        DurableChannels a = fixture.durable(b -> b.instance("a").leaseTimeout(LEASE));
        DurableChannels b = fixture.durable(o -> o.instance("b").leaseTimeout(LEASE));
        a.subscribe(channel, "g", first);
        a.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> "a".equals(owner(a, channel)));
        b.subscribe(channel, "g", second);
        b.start();
        for (int i = 0; i < 100; i++) {
            publish(channel, Integer.toString(i));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> first.handled.size() == 100);

        a.close();
        for (int i = 100; i < 200; i++) {
            publish(channel, Integer.toString(i));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> second.handled.size() == 100);
        List<String> all = new ArrayList<>(first.payloads());
        all.addAll(second.payloads());
        assertThat(all)
                .containsExactlyElementsOf(java.util.stream.IntStream.range(0, 200)
                        .mapToObj(Integer::toString)
                        .toList());
    }

    @Test
    void whenTheOwningJvmIsKilledBetweenWorkAndAcknowledgementAnotherTakesOverAndTheWorkCommitsOnce() throws Exception {
        takeOverFrom("KILL");
    }

    @Test
    void aJvmFrozenPastItsLeaseIsFencedWhenItWakesAndItsWorkRollsBack() throws Exception {
        takeOverFrom("STOP");
    }

    private void takeOverFrom(String signal) throws Exception {
        String channel = unique("jvm-" + signal.toLowerCase());
        try (WorkerJvm worker = WorkerJvm.start(channel, "g", "worker", LEASE)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> "worker".equals(ownerIn(channel)));
            for (int i = 0; i < 20; i++) {
                publish(channel, "before-" + i);
            }
            long slow = publish(channel, "slow");
            for (int i = 0; i < 20; i++) {
                publish(channel, "after-" + i);
            }
            worker.awaitOutput("WORKING " + slow, Duration.ofSeconds(30));
            long faultAt = System.nanoTime();
            if (signal.equals("KILL")) {
                worker.kill();
            } else {
                worker.signal("STOP");
            }

            DurableChannels local =
                    fixture.durable(b -> b.instance("local").leaseTimeout(LEASE).pollInterval(Duration.ofMillis(100)));
            local.subscribe(channel, "g", WorkerJvm.recordingHandler(DurableFixture.provider(), "local", () -> {}));
            local.start();
            await().atMost(LEASE.plus(Duration.ofSeconds(3))).until(() -> "local".equals(ownerIn(channel)));
            Duration takeover = Duration.ofNanos(System.nanoTime() - faultAt);
            System.out.println("takeover after " + signal + ": " + takeover.toMillis() + " ms");
            await().atMost(Duration.ofSeconds(20)).until(() -> handled(channel).size() == 41);

            if (signal.equals("STOP")) {
                worker.signal("CONT");
                // Awake, it finishes its work and tries to acknowledge: refused, its transaction rolls back.
                worker.awaitOutput("LEASE LOST " + channel, Duration.ofSeconds(20));
            }
            Map<Long, List<String>> rows = handled(channel);
            assertThat(rows).hasSize(41);
            assertThat(rows.values()).allSatisfy(r -> assertThat(r).hasSize(1));
            assertThat(rows.get(slow)).containsExactly("local#2");
            assertThat(rows.entrySet())
                    .filteredOn(e -> e.getKey() < slow)
                    .allSatisfy(e -> assertThat(e.getValue()).containsExactly("worker#1"));
        }
    }

    private static String owner(DurableChannels durable, String channel) throws SQLException {
        return durable.groups().stream()
                .filter(s -> s.channel().equals(channel))
                .map(GroupStatus::owner)
                .findFirst()
                .orElse(null);
    }

    private static String ownerIn(String channel) throws SQLException {
        try (Connection c = TestDatabase.shared().connect();
                PreparedStatement s = c.prepareStatement("SELECT owner FROM pgnotify.durable_group"
                        + " WHERE channel = ? AND lease_until > clock_timestamp()")) {
            s.setString(1, channel);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    /** Committed work per message id: "instance#attempt" for each row. */
    static Map<Long, List<String>> handled(String channel) throws SQLException {
        Map<Long, List<String>> rows = new HashMap<>();
        try (Connection c = TestDatabase.shared().connect();
                PreparedStatement s = c.prepareStatement(
                        "SELECT id, instance, attempt FROM " + WorkerJvm.TABLE + " WHERE channel = ? ORDER BY id")) {
            s.setString(1, channel);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    rows.computeIfAbsent(rs.getLong(1), k -> new ArrayList<>())
                            .add(rs.getString(2) + "#" + rs.getInt(3));
                }
            }
        }
        return rows;
    }
}
