package io.pgnotify.core.durable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.pgnotify.core.ConnectionProvider;
import io.pgnotify.core.Notifier;
import io.pgnotify.testing.PrivateDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Guarantee 9 and the schema: an append-only hot path, retention behind the slowest group, validation. */
class DurableRetentionTests {

    private static PrivateDatabase db;
    private final List<AutoCloseable> opened = new ArrayList<>();

    @BeforeAll
    static void server() throws SQLException {
        db = PrivateDatabase.start();
        try (Connection c = db.connect()) {
            DurableSchema.install(c);
            DurableSchema.install(c); // idempotent
        }
    }

    @AfterAll
    static void stopServer() {
        db.close();
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : opened) {
            c.close();
        }
    }

    @Test
    void theMessageTableGetsNoDeadTuplesWhileConsumingUnderAHeldXmin() throws Exception {
        try (Connection holder = db.connect()) {
            // A transaction with a snapshot holds the xmin horizon: vacuum can remove nothing meanwhile.
            holder.setAutoCommit(false);
            holder.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            single(holder, "SELECT count(*) FROM pgnotify.durable_message");
            long inserted = stat("durable_message", "n_tup_ins");
            long dead = stat("durable_message", "n_dead_tup");
            long updated = stat("durable_message", "n_tup_upd");
            long deleted = stat("durable_message", "n_tup_del");
            long groupUpdatesBefore = stat("durable_group", "n_tup_upd");

            DurableFixture.Recorder group = new DurableFixture.Recorder();
            DurableChannels durable = durable(Duration.ofDays(1));
            durable.subscribe("soak", "g", group);
            durable.start();
            try (Connection c = db.connect()) {
                for (int batch = 0; batch < 50; batch++) {
                    DurablePublisher.publishAll(
                            c,
                            "soak",
                            IntStream.range(0, 100).mapToObj(i -> "m" + i).toList());
                    for (int i = 0; i < 20; i++) {
                        DurablePublisher.publish(c, "soak", null, "single");
                    }
                }
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> group.handled.size() == 6000);
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> stat("durable_message", "n_tup_ins") >= inserted + 6000
                            && stat("durable_group", "n_tup_upd") >= groupUpdatesBefore + 60);
            long groupUpdates = stat("durable_group", "n_tup_upd") - groupUpdatesBefore;
            System.out.println("soak: 6000 messages, durable_message dead tuples +"
                    + (stat("durable_message", "n_dead_tup") - dead) + "; durable_group updates " + groupUpdates
                    + ", its n_dead_tup " + stat("durable_group", "n_dead_tup"));
            assertThat(stat("durable_message", "n_dead_tup")).isEqualTo(dead);
            assertThat(stat("durable_message", "n_tup_upd")).isEqualTo(updated);
            assertThat(stat("durable_message", "n_tup_del")).isEqualTo(deleted);
            // Cursor writes are per batch, not per message. A consumer that keeps up reads each of the 1,050 publishing
            // transactions as a batch of its own (a 100-message one may span two reads of 100): at most 1,100 writes
            // for 6,000 messages, however the reads fall.
            assertThat(groupUpdates).isLessThanOrEqualTo(50 * 2 + 50 * 20);
            holder.rollback();
        }
    }

    @Test
    void retentionRemovesOnlyWhatEveryGroupPassedAndKeepsDeadLetters() throws Exception {
        DurableChannels fast = durable(Duration.ofMillis(1));
        DurableFixture.Recorder group = new DurableFixture.Recorder();
        fast.subscribe("kept", "fast", group);
        fast.subscribe("kept", "poisoned", m -> {
            if (m.payload().equals("2")) {
                throw new IllegalStateException("poison");
            }
        });
        fast.start();
        long[] ids = new long[5];
        try (Connection c = db.connect()) {
            for (int i = 0; i < 5; i++) {
                ids[i] = DurablePublisher.publish(c, "kept", null, Integer.toString(i));
            }
            // A group that exists but stopped after the fourth message.
            try (Statement s = c.createStatement()) {
                s.execute("INSERT INTO pgnotify.durable_group (channel, group_name, position) VALUES ('kept',"
                        + " 'slow', " + ids[3] + ")");
            }
        }
        await().atMost(Duration.ofSeconds(20))
                .until(() -> group.handled.size() == 5
                        && fast.groups().stream()
                                .filter(s -> s.group().equals("poisoned"))
                                .allMatch(s -> s.lag() == 0));
        fast.retain();
        try (Connection c = db.connect()) {
            assertThat(single(c, "SELECT count(*) FROM pgnotify.durable_message WHERE channel = 'kept'"))
                    .isEqualTo(2);
            // Left: the fifth, which the slow group has not passed, and the third, a dead letter of 'poisoned'.
            assertThat(single(c, "SELECT count(*) FROM pgnotify.durable_message WHERE id = " + ids[2]))
                    .isEqualTo(1);
        }
        assertThat(fast.groups())
                .filteredOn(s -> s.group().equals("slow"))
                .singleElement()
                .satisfies(s -> {
                    assertThat(s.lag()).isEqualTo(1);
                    assertThat(s.lagAge()).isPositive();
                });
    }

    @Test
    void validationNamesWhatIsMissingAndWhereTheScriptIs() throws Exception {
        try (PrivateDatabase empty = PrivateDatabase.start();
                Connection c = empty.connect()) {
            assertThatThrownBy(() -> DurableSchema.validate(c))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("table pgnotify.durable_message")
                    .hasMessageContaining("function pgnotify.publish_durable")
                    .hasMessageContaining(DurableSchema.LOCATION);
            DurableSchema.install(c);
            DurableSchema.validate(c);
            try (Statement s = c.createStatement()) {
                s.execute("DELETE FROM pgnotify.durable_schema_version");
            }
            assertThatThrownBy(() -> DurableSchema.validate(c))
                    .hasMessageContaining("schema version " + DurableSchema.VERSION + " (installed: 0)");
        }
    }

    private DurableChannels durable(Duration retention) {
        ConnectionProvider provider = ConnectionProvider.of(db.url(), db.user(), db.password());
        Notifier notifier = Notifier.builder(provider).build();
        opened.add(notifier);
        notifier.start();
        DurableChannels durable = DurableChannels.builder(notifier, provider)
                .startFrom(StartFrom.EARLIEST)
                .maxAttempts(2)
                .retryBackoff(new RetryBackoff(Duration.ofMillis(10), 1.0, Duration.ofMillis(10)))
                .retention(retention)
                .build();
        opened.add(0, durable);
        return durable;
    }

    private long stat(String table, String column) throws SQLException {
        try (Connection c = db.connect()) {
            return single(
                    c,
                    "SELECT " + column + " FROM pg_stat_user_tables WHERE schemaname = 'pgnotify'" + " AND relname = '"
                            + table + "'");
        }
    }

    private static long single(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
