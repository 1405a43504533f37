package io.pgnotify.core.durable;

import static io.pgnotify.core.durable.DurableFixture.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.pgnotify.testing.PrivateDatabase;
import io.pgnotify.testing.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Guarantee 3 with keys: a group spread over partitions handles each key in commit order, one message at a time per
 * partition across instances, and different partitions in parallel.
 */
class DurablePartitionTests {

    private static final Duration LEASE = Duration.ofSeconds(2);

    private final DurableFixture fixture = new DurableFixture();

    @BeforeAll
    static void schema() {
        DurableFixture.installSchema();
    }

    @AfterEach
    void close() throws Exception {
        fixture.close();
    }

    /** What a handler saw, in the order handlers ran, across instances. */
    private record Seen(String instance, DurableMessage message) {}

    @Test
    void perKeyOrderHoldsWithTwoInstancesOfOneGroupAndSeveralKeys() throws Exception {
        String channel = unique("partitioned");
        List<Seen> seen = new CopyOnWriteArrayList<>();
        DurableChannels a = fixture.durable(o -> o.instance("a").leaseTimeout(LEASE));
        DurableChannels b = fixture.durable(o -> o.instance("b").leaseTimeout(LEASE));
        // Partitions 0 and 1 leased to a, 2 and 3 to b, so that both instances work the channel at once.
        try (Connection c = TestDatabase.shared().connect();
                PreparedStatement s = c.prepareStatement("INSERT INTO pgnotify.durable_group (channel, group_name,"
                        + " partition, partitions, position, owner, lease_until) SELECT ?, 'g', n, 4, 0,"
                        + " CASE WHEN n < 2 THEN 'a' ELSE 'b' END, clock_timestamp() + interval '1 hour'"
                        + " FROM generate_series(0, 3) n")) {
            s.setString(1, channel);
            s.executeUpdate();
        }
        a.subscribe(channel, "g", 4, m -> seen.add(new Seen("a", m)));
        b.subscribe(channel, "g", 4, m -> seen.add(new Seen("b", m)));
        a.start();
        b.start();
        publishKeyed(channel, 0, 200);
        await().atMost(Duration.ofSeconds(30)).until(() -> seen.size() >= 200);
        // The instance handing over stops gracefully: the other takes its partitions over, nothing twice.
        a.close();
        publishKeyed(channel, 200, 400);
        await().atMost(Duration.ofSeconds(30)).until(() -> seen.size() >= 400);

        Map<String, List<Integer>> byKey = new LinkedHashMap<>();
        Set<Long> ids = new HashSet<>();
        for (Seen s : seen) {
            String[] parts = s.message().payload().split(":");
            assertThat(parts[0]).isEqualTo(s.message().key());
            byKey.computeIfAbsent(parts[0], k -> new ArrayList<>()).add(Integer.parseInt(parts[1]));
            ids.add(s.message().id());
        }
        assertThat(seen).hasSize(400);
        assertThat(ids).hasSize(400);
        assertThat(byKey).hasSize(8);
        byKey.forEach((key, sequence) -> assertThat(sequence).as(key).isSorted());
        assertThat(seen).anySatisfy(s -> assertThat(s.instance()).isEqualTo("b"));
        assertThat(seen.subList(0, 200))
                .anySatisfy(s -> assertThat(s.instance()).isEqualTo("a"));
        assertThat(seen.subList(200, 400))
                .allSatisfy(s -> assertThat(s.instance()).isEqualTo("b"));
        long last = maxId(channel);
        // Every partition moved to the end, also past the other partitions' messages.
        await().atMost(Duration.ofSeconds(10)).until(() -> positions(channel).equals(List.of(last, last, last, last)));
        assertThat(b.groups())
                .filteredOn(g -> g.channel().equals(channel))
                .singleElement()
                .satisfies(g -> {
                    assertThat(g.partitions()).isEqualTo(4);
                    assertThat(g.lag()).isZero();
                });
    }

    @Test
    void aHandlerBlockedOnOnePartitionDoesNotStopAnother() throws Exception {
        String channel = unique("parallel");
        String blockedKey = keyIn(0, 2);
        String freeKey = keyIn(1, 2);
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<String> handled = new CopyOnWriteArrayList<>();
        DurableChannels durable = fixture.durable(o -> o.instance("one"));
        durable.subscribe(channel, "g", 2, m -> {
            if (m.key().equals(blockedKey)) {
                entered.countDown();
                if (!release.await(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("never released");
                }
            }
            handled.add(m.payload());
        });
        durable.start();
        publish(channel, blockedKey, "blocked-1");
        publish(channel, blockedKey, "blocked-2");
        assertThat(entered.await(20, TimeUnit.SECONDS)).isTrue();
        for (int i = 0; i < 10; i++) {
            publish(channel, freeKey, "free-" + i);
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> handled.size() == 10);
        assertThat(handled).allSatisfy(p -> assertThat(p).startsWith("free-"));
        release.countDown();
        await().atMost(Duration.ofSeconds(20)).until(() -> handled.size() == 12);
        assertThat(handled.subList(10, 12)).containsExactly("blocked-1", "blocked-2");
    }

    @Test
    void anotherPartitionCountForAnExistingGroupIsRefusedUntilRepartitioned() throws Exception {
        String channel = unique("recount");
        DurableFixture.Recorder first = new DurableFixture.Recorder();
        DurableChannels before = fixture.durable(o -> o.instance("before"));
        before.subscribe(channel, "g", 2, first);
        before.start();
        publishKeyed(channel, 0, 16);
        await().atMost(Duration.ofSeconds(20)).until(() -> first.handled.size() == 16);
        before.close();

        DurableChannels changed = fixture.durable(o -> o.instance("changed"));
        changed.subscribe(channel, "g", 3, m -> {});
        assertThatThrownBy(changed::start)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Channel '" + channel + "', group 'g' is stored with 2 partition(s)")
                .hasMessageContaining("subscribed with 3")
                .hasMessageContaining("DurableChannels.repartition");
        assertThatThrownBy(() -> changed.subscribe(channel, "h", 0, m -> {}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'partitions' of channel '" + channel + "', group 'h' must be between 1 and 256")
                .hasMessageContaining("got 0");

        DurableChannels holder = fixture.durable(o -> o.instance("holder"));
        holder.subscribe(channel, "g", 2, m -> {});
        holder.start();
        await().atMost(Duration.ofSeconds(20))
                .until(() -> holder.groups().stream()
                        .anyMatch(g -> g.channel().equals(channel) && "holder".equals(g.owner())));
        assertThatThrownBy(() -> holder.repartition(channel, "g", 3))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cannot be repartitioned while consumed")
                .hasMessageContaining("by holder");
        holder.close();
        publishKeyed(channel, 16, 32);

        before.repartition(channel, "g", 3);
        DurableFixture.Recorder after = new DurableFixture.Recorder();
        DurableChannels repartitioned = fixture.durable(o -> o.instance("after"));
        repartitioned.subscribe(channel, "g", 3, after);
        repartitioned.start();
        await().atMost(Duration.ofSeconds(20)).until(() -> after.payloads().containsAll(keyedPayloads(16, 32)));
        Map<String, List<Integer>> byKey = new LinkedHashMap<>();
        for (DurableMessage m : after.handled) {
            byKey.computeIfAbsent(m.key(), k -> new ArrayList<>())
                    .add(Integer.parseInt(m.payload().split(":")[1]));
        }
        byKey.forEach((key, sequence) -> assertThat(sequence).as(key).isSorted());
    }

    @Test
    void aVersionOneSchemaIsReportedAndUpgradedInPlace() throws Exception {
        try (PrivateDatabase db = PrivateDatabase.start();
                Connection c = db.connect()) {
            DurableSchema.install(c);
            try (Statement s = c.createStatement()) {
                // Back to what version 1 installed.
                s.execute("ALTER TABLE pgnotify.durable_group DROP CONSTRAINT durable_group_pkey");
                s.execute("ALTER TABLE pgnotify.durable_group DROP COLUMN partition, DROP COLUMN partitions");
                s.execute("ALTER TABLE pgnotify.durable_group ADD PRIMARY KEY (channel, group_name)");
                s.execute("DROP FUNCTION pgnotify.durable_partition(text, integer)");
                s.execute("DELETE FROM pgnotify.durable_schema_version WHERE version = 2");
                s.execute("INSERT INTO pgnotify.durable_group (channel, group_name, position) VALUES ('old', 'g', 7)");
            }
            assertThatThrownBy(() -> DurableSchema.validate(c))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("function pgnotify.durable_partition")
                    .hasMessageContaining(DurableSchema.LOCATION);
            try (Statement s = c.createStatement()) {
                s.execute("CREATE FUNCTION pgnotify.durable_partition(key text, partitions integer) RETURNS integer"
                        + " LANGUAGE sql AS 'SELECT 0'");
            }
            assertThatThrownBy(() -> DurableSchema.validate(c))
                    .hasMessageContaining("column pgnotify.durable_group.partition")
                    .hasMessageContaining("column pgnotify.durable_group.partitions");
            DurableSchema.install(c);
            DurableSchema.validate(c);
            try (Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT partition, partitions, position FROM pgnotify.durable_group"
                            + " WHERE channel = 'old' AND group_name = 'g'")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getInt(1)).isZero();
                assertThat(rs.getInt(2)).isEqualTo(1);
                assertThat(rs.getLong(3)).isEqualTo(7);
            }
        }
    }

    private static List<String> keyedPayloads(int from, int to) {
        List<String> payloads = new ArrayList<>();
        for (int i = from; i < to; i++) {
            payloads.add("key-" + (i % 8) + ":" + i);
        }
        return payloads;
    }

    /** Messages {@code key-(i % 8):i}, ten to a transaction. */
    private static void publishKeyed(String channel, int from, int to) throws SQLException {
        try (Connection c = TestDatabase.shared().connect()) {
            c.setAutoCommit(false);
            for (int i = from; i < to; i++) {
                DurablePublisher.publish(c, channel, "key-" + (i % 8), "key-" + (i % 8) + ":" + i);
                if (i % 10 == 9) {
                    c.commit();
                }
            }
            c.commit();
        }
    }

    private static void publish(String channel, String key, String payload) throws SQLException {
        try (Connection c = TestDatabase.shared().connect()) {
            DurablePublisher.publish(c, channel, key, payload);
        }
    }

    /** A key that falls in the given partition. */
    private static String keyIn(int partition, int partitions) throws SQLException {
        try (Connection c = TestDatabase.shared().connect();
                PreparedStatement s = c.prepareStatement("SELECT k FROM (SELECT 'k' || n AS k FROM"
                        + " generate_series(1, 100) n) keys WHERE pgnotify.durable_partition(k, ?) = ? LIMIT 1")) {
            s.setInt(1, partitions);
            s.setInt(2, partition);
            try (ResultSet rs = s.executeQuery()) {
                assertThat(rs.next()).isTrue();
                return rs.getString(1);
            }
        }
    }

    private static List<Long> positions(String channel) throws SQLException {
        List<Long> positions = new ArrayList<>();
        try (Connection c = TestDatabase.shared().connect();
                PreparedStatement s = c.prepareStatement(
                        "SELECT position FROM pgnotify.durable_group WHERE channel = ? ORDER BY partition")) {
            s.setString(1, channel);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    positions.add(rs.getLong(1));
                }
            }
        }
        return positions;
    }

    private static long maxId(String channel) throws SQLException {
        try (Connection c = TestDatabase.shared().connect();
                PreparedStatement s =
                        c.prepareStatement("SELECT max(id) FROM pgnotify.durable_message WHERE channel = ?")) {
            s.setString(1, channel);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
