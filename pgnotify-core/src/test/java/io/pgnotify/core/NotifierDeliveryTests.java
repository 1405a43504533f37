package io.pgnotify.core;

import static io.pgnotify.core.Notifiers.pgNotify;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.awaitility.Awaitility.await;

import io.pgnotify.core.Notifiers.Recorder;
import io.pgnotify.testing.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class NotifierDeliveryTests {

    private Notifier notifier;

    @BeforeEach
    void start() {
        notifier = Notifiers.started(b -> b.name("delivery"));
    }

    @AfterEach
    void stop() {
        assertThat(notifier.shutdown(Duration.ofSeconds(10))).isTrue();
    }

    @Test
    void deliversWhatPgNotifyPublishes() {
        Recorder recorder = new Recorder();
        notifier.subscribe("events", recorder);

        pgNotify("events", "hello");

        await().atMost(Duration.ofSeconds(5)).until(() -> recorder.received.size() == 1);
        Notification received = recorder.received.get(0);
        assertThat(received.channel()).isEqualTo("events");
        assertThat(received.payload()).isEqualTo("hello");
        assertThat(received.pid()).isPositive();
        assertThat(received.receivedAt()).isNotNull();
    }

    @Test
    void channelNamesAreExactAndCaseSensitive() throws Exception {
        Recorder mixed = new Recorder();
        notifier.subscribe("OrderEvents", mixed);

        pgNotify("orderevents", "folded");
        pgNotify("OrderEvents", "exact");

        await().atMost(Duration.ofSeconds(5)).until(() -> mixed.received.size() >= 1);
        // a marker on the same connection after both: once it is seen, the folded one would have been seen too
        notifier.publish("OrderEvents", "marker");
        await().atMost(Duration.ofSeconds(5)).until(() -> mixed.payloads().contains("marker"));
        assertThat(mixed.payloads()).containsExactly("exact", "marker");
    }

    @Test
    void awkwardChannelNamesWorkAndInjectNothing() throws Exception {
        List<String> names = List.of(
                "with space",
                "quote\"inside",
                "single'quote",
                "back\\slash",
                "semi;colon",
                "\"; DROP TABLE x; --",
                "ünïcödé-通知",
                "UPPER",
                "x".repeat(63));
        List<Recorder> recorders = new ArrayList<>();
        for (String name : names) {
            Recorder recorder = new Recorder();
            recorders.add(recorder);
            notifier.subscribe(name, recorder);
        }
        for (String name : names) {
            notifier.publish(name, "to " + name);
        }
        for (int i = 0; i < names.size(); i++) {
            Recorder recorder = recorders.get(i);
            String name = names.get(i);
            await().atMost(Duration.ofSeconds(5)).until(() -> recorder.received.size() == 1);
            assertThat(recorder.received.get(0).channel()).isEqualTo(name);
            assertThat(recorder.received.get(0).payload()).isEqualTo("to " + name);
        }
        assertThat(notifier.status().listenedChannels()).containsAll(names);
    }

    @Test
    void invalidChannelNamesAreRejectedWithTheReason() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> notifier.subscribe("", n -> {}))
                .withMessageContaining("empty");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> notifier.subscribe("a\0b", n -> {}))
                .withMessageContaining("NUL");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> notifier.subscribe("x".repeat(64), n -> {}))
                .withMessageContaining("64 bytes")
                .withMessageContaining("63");
        // 62 ASCII bytes plus a 2-byte character is 64 bytes
        assertThatIllegalArgumentException()
                .isThrownBy(() -> notifier.publish("x".repeat(62) + "é", "p"))
                .withMessageContaining("64 bytes");
        assertThat(notifier.channels()).isEmpty();
    }

    @Test
    void payloadsUpToTheLimitPassAndLargerOnesAreRejectedBeforeSending() throws Exception {
        Recorder recorder = new Recorder();
        notifier.subscribe("sizes", recorder);

        notifier.publish("sizes", "a".repeat(7999));
        assertThatIllegalArgumentException()
                .isThrownBy(() -> notifier.publish("sizes", "a".repeat(8000)))
                .withMessageContaining("'sizes'")
                .withMessageContaining("8000 bytes")
                .withMessageContaining("7999");
        // 3999 two-byte characters are 7998 bytes; one more is 8000
        notifier.publish("sizes", "é".repeat(3999));
        assertThatIllegalArgumentException()
                .isThrownBy(() -> notifier.publish("sizes", "é".repeat(4000)))
                .withMessageContaining("8000 bytes");
        notifier.publish("sizes", "");

        await().atMost(Duration.ofSeconds(5)).until(() -> recorder.received.size() == 3);
        assertThat(recorder.received.get(0).payload()).hasSize(7999);
        assertThat(recorder.received.get(1).payload()).isEqualTo("é".repeat(3999));
        assertThat(recorder.received.get(2).payload()).isEmpty();
    }

    @Test
    void everyHandlerOfAChannelGetsEveryNotification() throws Exception {
        Recorder first = new Recorder();
        Recorder second = new Recorder();
        notifier.subscribe("fanout", first);
        notifier.subscribe("fanout", second);

        notifier.publishAll("fanout", List.of("1", "2", "3"));

        await().atMost(Duration.ofSeconds(5)).until(() -> first.received.size() == 3 && second.received.size() == 3);
        assertThat(first.payloads()).containsExactly("1", "2", "3");
        assertThat(second.payloads()).containsExactly("1", "2", "3");
    }

    @Test
    void publishAllKeepsOrder() throws Exception {
        Recorder recorder = new Recorder();
        notifier.subscribe("batch", recorder);
        List<String> payloads =
                IntStream.range(0, 1000).mapToObj(Integer::toString).toList();

        notifier.publishAll("batch", payloads);

        await().atMost(Duration.ofSeconds(10)).until(() -> recorder.received.size() == 1000);
        assertThat(recorder.payloads()).isEqualTo(payloads);
    }

    @Test
    void unsubscribingTheLastHandlerUnlistensAndStopsDelivery() throws Exception {
        Recorder recorder = new Recorder();
        Subscription subscription = notifier.subscribe("leaving", recorder);
        Recorder other = new Recorder();
        notifier.subscribe("staying", other);

        subscription.unsubscribe();
        subscription.unsubscribe();
        await().atMost(Duration.ofSeconds(5))
                .until(() -> !notifier.status().listenedChannels().contains("leaving"));
        notifier.publish("leaving", "late");
        notifier.publish("staying", "marker");

        await().atMost(Duration.ofSeconds(5)).until(() -> other.received.size() == 1);
        assertThat(recorder.received).isEmpty();
        assertThat(notifier.channels()).containsExactly("staying");
    }

    @Test
    void theListeningConnectionIsNamedAndNeverInATransaction() throws Exception {
        notifier.subscribe("named", n -> {});
        int pid = notifier.status().backendPid();
        try (Connection c = TestDatabase.shared().connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT application_name, state, backend_xid FROM pg_stat_activity WHERE pid = " + pid)) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("pgnotify-listener");
            assertThat(rs.getString(2)).isIn("idle", "active");
            assertThat(rs.getString(3)).isNull();
        }
    }

    @Test
    void promptDeliveryIsActiveOnThisDriver() throws Exception {
        try (Connection c = TestDatabase.shared().connect()) {
            assertThat(PromptDelivery.apply(c.unwrap(org.postgresql.PGConnection.class)))
                    .as("prompt delivery (pgjdbc's 1 ms peek disabled) must work with the pgjdbc version in use")
                    .isTrue();
        }
    }
}
