package io.pgnotify.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.awaitility.Awaitility.await;

import io.pgnotify.core.Notifiers.Events;
import io.pgnotify.core.Notifiers.Recorder;
import io.pgnotify.testing.TestDatabase;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A statement refused for one channel (here a name the LATIN1 database cannot represent) rejects that subscription
 * only; the connection and every other channel keep listening.
 */
class NotifierChannelRejectionTests {

    private static final String UNREPRESENTABLE = "注文";
    private static String url;

    @BeforeAll
    static void latin1Database() throws Exception {
        TestDatabase db = TestDatabase.shared();
        try (Connection c = db.connect();
                Statement s = c.createStatement()) {
            var rs = s.executeQuery("SELECT 1 FROM pg_database WHERE datname = 'pgnotify_latin1'");
            if (!rs.next()) {
                s.execute("CREATE DATABASE pgnotify_latin1 ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C'"
                        + " TEMPLATE template0");
            }
        }
        url = db.url().replaceFirst("(//[^/]+/)[^?]*", "$1pgnotify_latin1");
    }

    private static ConnectionProvider latin1() {
        TestDatabase db = TestDatabase.shared();
        return ConnectionProvider.of(url, db.user(), db.password());
    }

    @Test
    void aChannelRefusedWhileListeningFailsItsSubscribeAndTheOthersKeepListening() throws Exception {
        Events events = new Events();
        Recorder good = new Recorder();
        try (Notifier notifier =
                Notifier.builder(latin1()).name("latin1-live").listener(events).build()) {
            notifier.subscribe("good", good);
            notifier.start();
            Notifiers.awaitListening(notifier);
            int pid = notifier.status().backendPid();

            assertThatIllegalArgumentException()
                    .isThrownBy(() -> notifier.subscribe(UNREPRESENTABLE, n -> {}))
                    .withMessageContaining(UNREPRESENTABLE);

            notifier.publish("good", "1");
            await().atMost(Duration.ofSeconds(10)).until(() -> good.received.size() == 1);
            assertThat(notifier.state()).isEqualTo(NotifierState.LISTENING);
            assertThat(notifier.status().backendPid()).isEqualTo(pid);
            assertThat(notifier.channels()).doesNotContain(UNREPRESENTABLE);
            assertThat(events.log).doesNotContain("disconnect");
        }
    }

    @Test
    void aChannelRefusedAtConnectIsReportedAndMarkedFailedWhileTheOthersListen() throws Exception {
        Events events = new Events();
        Recorder good = new Recorder();
        try (Notifier notifier = Notifier.builder(latin1())
                .name("latin1-start")
                .maxReconnectAttempts(3)
                .reconnectInterval(Duration.ofMillis(100))
                .maxReconnectInterval(Duration.ofMillis(200))
                .listener(events)
                .build()) {
            notifier.subscribe("good", good);
            notifier.subscribe(UNREPRESENTABLE, n -> {});
            notifier.start();
            Notifiers.awaitListening(notifier);
            await().atMost(Duration.ofSeconds(10)).until(() -> events.log.contains("error:" + UNREPRESENTABLE));
            int pid = notifier.status().backendPid();

            assertThat(notifier.status().failedChannels()).containsKey(UNREPRESENTABLE);
            assertThat(notifier.status().listenedChannels()).contains("good");
            notifier.publish("good", "1");
            await().atMost(Duration.ofSeconds(10)).until(() -> good.received.size() == 1);
            assertThat(notifier.state()).isEqualTo(NotifierState.LISTENING);
            assertThat(notifier.status().backendPid()).isEqualTo(pid);
            assertThat(events.log).doesNotContain("disconnect");
        }
    }
}
