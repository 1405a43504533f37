package io.pgnotify.core.durable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgnotify.core.ConnectionProvider;
import io.pgnotify.core.Notifier;
import io.pgnotify.core.NotifierState;
import io.pgnotify.testing.PrivateDatabase;
import io.pgnotify.testing.TcpProxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Guarantee 7: durable delivery survives backend kills, a server restart, a silent network and the whole
 * application being down, with no gap to announce: every group catches up from its position.
 */
class DurableFaultTests {

    private static final String APP = "pgnotify-durable-fault";

    private static PrivateDatabase db;
    private final List<AutoCloseable> opened = new ArrayList<>();
    private int sequence;

    @BeforeAll
    static void server() throws SQLException {
        db = PrivateDatabase.start();
        try (Connection c = db.connect()) {
            DurableSchema.install(c);
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
    void consumersKeepEveryMessageThroughRepeatedBackendKills() throws Exception {
        DurableFixture.Recorder group = new DurableFixture.Recorder();
        start(db.port(), b -> b, "kills", group);
        for (int round = 0; round < 5; round++) {
            publish("kills", 40);
            db.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '" + APP + "'");
        }
        awaitAll(group, 200);
    }

    @Test
    void consumersCatchUpAfterAServerRestart() throws Exception {
        DurableFixture.Recorder group = new DurableFixture.Recorder();
        start(db.port(), b -> b.pollInterval(Duration.ofMillis(300)), "restart", group);
        publish("restart", 50);
        db.restart();
        publish("restart", 50);
        awaitAll(group, 100);
    }

    @Test
    void consumersRecoverFromASilentNetwork() throws Exception {
        DurableFixture.Recorder group = new DurableFixture.Recorder();
        try (TcpProxy proxy = new TcpProxy(db.port())) {
            start(proxy.port(), b -> b.pollInterval(Duration.ofMillis(200)), "silent", group);
            publish("silent", 20);
            awaitAll(group, 20);
            proxy.blackhole();
            publish("silent", 30);
            // Longer than the lease (the consumer's network timeout), so its connection is given up for dead.
            await().pollDelay(Duration.ofSeconds(3))
                    .atMost(Duration.ofSeconds(4))
                    .until(() -> true);
            assertThat(distinct(group)).hasSize(20);
            proxy.restore();
            awaitAll(group, 50);
        }
    }

    @Test
    void aGroupWhoseApplicationWasDownCatchesUpFromItsPositionWithoutRedelivery() throws Exception {
        DurableFixture.Recorder before = new DurableFixture.Recorder();
        DurableChannels first = start(db.port(), b -> b, "down", before);
        publish("down", 30);
        awaitAll(before, 30);
        first.close();

        publish("down", 30);
        DurableFixture.Recorder after = new DurableFixture.Recorder();
        start(db.port(), b -> b, "down", after);
        await().atMost(Duration.ofSeconds(20)).until(() -> after.handled.size() == 30);
        assertThat(after.payloads())
                .containsExactlyElementsOf(
                        IntStream.range(30, 60).mapToObj(Integer::toString).toList());
        assertThat(after.handled).allSatisfy(m -> assertThat(m.attempt()).isEqualTo(1));
    }

    private DurableChannels start(
            int port,
            java.util.function.UnaryOperator<DurableChannels.Builder> options,
            String channel,
            DurableHandler handler) {
        ConnectionProvider provider = ConnectionProvider.of(
                "jdbc:postgresql://127.0.0.1:" + port + "/postgres?ApplicationName=" + APP
                        + "&connectTimeout=2&socketTimeout=30",
                db.user(),
                db.password());
        Notifier notifier = Notifier.builder(provider)
                .reconnectInterval(Duration.ofMillis(100))
                .maxReconnectInterval(Duration.ofMillis(500))
                .pingInterval(Duration.ofSeconds(1))
                .pingTimeout(Duration.ofSeconds(1))
                .build();
        opened.add(notifier);
        notifier.start();
        await().atMost(Duration.ofSeconds(20)).until(() -> notifier.state() == NotifierState.LISTENING);
        DurableChannels durable = options.apply(DurableChannels.builder(notifier, provider)
                        .leaseTimeout(Duration.ofSeconds(2))
                        .startFrom(StartFrom.EARLIEST))
                .build();
        opened.add(0, durable);
        durable.subscribe(channel, "g", handler);
        durable.start();
        return durable;
    }

    private void publish(String channel, int count) throws SQLException {
        try (Connection c = db.connect()) {
            for (int i = 0; i < count; i++) {
                DurablePublisher.publish(c, channel, null, Integer.toString(sequence++));
            }
        }
    }

    private static List<String> distinct(DurableFixture.Recorder group) {
        return new ArrayList<>(new LinkedHashSet<>(group.payloads()));
    }

    /** Every message arrived, in order once duplicates (around faults) are set aside. */
    private void awaitAll(DurableFixture.Recorder group, int count) {
        await().atMost(Duration.ofSeconds(60)).until(() -> distinct(group).size() >= count);
        assertThat(distinct(group))
                .containsExactlyElementsOf(IntStream.range(sequence - count, sequence)
                        .mapToObj(Integer::toString)
                        .toList());
    }
}
