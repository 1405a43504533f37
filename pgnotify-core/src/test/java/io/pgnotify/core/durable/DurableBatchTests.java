package io.pgnotify.core.durable;

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
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A {@link TransactionalBatchDurableHandler}: one transaction per batch, and a failing batch split up. */
class DurableBatchTests {

    private final DurableFixture fixture = new DurableFixture();

    @BeforeAll
    static void schema() {
        DurableFixture.installSchema();
        TestDatabase.shared()
                .execute("CREATE TABLE IF NOT EXISTS durable_batch_work (channel text, id bigint, payload text)");
    }

    @AfterEach
    void close() throws Exception {
        fixture.close();
    }

    @Test
    void aBatchIsHandledAndAcknowledgedInOneTransaction() throws Exception {
        String channel = unique("batch");
        List<Integer> sizes = new CopyOnWriteArrayList<>();
        DurableChannels durable = fixture.durable(o -> o.batchSize(100));
        publish(channel, 0, 250, -1);
        durable.subscribeBatch(channel, "g", 1, work(channel, sizes, -1));
        durable.start();
        await().atMost(Duration.ofSeconds(20)).until(() -> work(channel).size() == 250);
        assertThat(work(channel)).doesNotHaveDuplicates();
        assertThat(sizes).containsExactly(100, 100, 50);
        assertThat(durable.groups())
                .filteredOn(g -> g.channel().equals(channel))
                .singleElement()
                .satisfies(g -> assertThat(g.lag()).isZero());
    }

    @Test
    void aFailingBatchIsHandedOverOneMessageAtATimeAndOnlyThePoisonIsDeadLettered() throws Exception {
        String channel = unique("batch-poison");
        List<Integer> sizes = new CopyOnWriteArrayList<>();
        DurableChannels durable = fixture.durable(o -> o.batchSize(100).maxAttempts(2));
        publish(channel, 0, 120, 30);
        durable.subscribeBatch(channel, "g", 1, work(channel, sizes, 30));
        durable.start();
        await().atMost(Duration.ofSeconds(30))
                .until(() -> work(channel).size() == 119
                        && durable.deadLetters(channel, "g", 10).size() == 1);
        List<String> done = work(channel);
        assertThat(done).doesNotHaveDuplicates().doesNotContain("poison");
        assertThat(durable.deadLetters(channel, "g", 10))
                .singleElement()
                .satisfies(d -> assertThat(d.message().payload()).isEqualTo("poison"));
        // The first batch failed whole, was then handed over one message at a time; later ones are batches again.
        assertThat(sizes.get(0)).isEqualTo(100);
        assertThat(sizes).contains(1);
        assertThat(sizes.get(sizes.size() - 1)).isEqualTo(20);
    }

    /** Payloads {@code i}, with {@code "poison"} at {@code poisonAt}. */
    private static void publish(String channel, int from, int to, int poisonAt) throws SQLException {
        try (Connection c = TestDatabase.shared().connect()) {
            c.setAutoCommit(false);
            for (int i = from; i < to; i++) {
                DurablePublisher.publish(c, channel, null, i == poisonAt ? "poison" : Integer.toString(i));
            }
            c.commit();
        }
    }

    /** Inserts each message's payload, acknowledges and commits; throws when the batch holds the poison. */
    private static TransactionalBatchDurableHandler work(String channel, List<Integer> sizes, int poisonAt) {
        return (batch, acknowledgement) -> {
            sizes.add(batch.size());
            try (Connection c = TestDatabase.shared().connect()) {
                c.setAutoCommit(false);
                try (PreparedStatement insert =
                        c.prepareStatement("INSERT INTO durable_batch_work (channel, id, payload) VALUES (?, ?, ?)")) {
                    for (DurableMessage m : batch) {
                        if (poisonAt >= 0 && m.payload().equals("poison")) {
                            throw new IllegalStateException("poison");
                        }
                        insert.setString(1, channel);
                        insert.setLong(2, m.id());
                        insert.setString(3, m.payload());
                        insert.executeUpdate();
                    }
                    acknowledgement.acknowledgeOn(c);
                    c.commit();
                } catch (SQLException | RuntimeException e) {
                    c.rollback();
                    throw e;
                }
            }
        };
    }

    private static List<String> work(String channel) throws SQLException {
        List<String> payloads = new ArrayList<>();
        try (Connection c = TestDatabase.shared().connect();
                PreparedStatement s =
                        c.prepareStatement("SELECT payload FROM durable_batch_work WHERE channel = ? ORDER BY id")) {
            s.setString(1, channel);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    payloads.add(rs.getString(1));
                }
            }
        }
        return payloads;
    }
}
