package io.pgnotify.spring.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgnotify.core.Notification;
import io.pgnotify.core.Notifier;
import io.pgnotify.spring.PgNotifyTemplate;
import io.pgnotify.testing.TestDatabase;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Recording what arrives on channels, next to the application's own listeners, on a real PostgreSQL. */
class PgNotificationRecorderTests {

    @Test
    void recordsEveryNotificationOfItsChannelsInOrder() {
        Applications.onTestDatabase().run(context -> {
            try (PgNotificationRecorder recorder = PgNotificationRecorder.listen(context, "ts.rec.a", "ts.rec.b")) {
                List<String> sent =
                        IntStream.rangeClosed(1, 20).mapToObj(i -> "seq-" + i).toList();
                PgNotifyTemplate template = context.getBean(PgNotifyTemplate.class);
                sent.forEach(payload -> template.publish("ts.rec.a", payload));
                template.publish("ts.rec.b", "other");
                template.publish("ts.rec.unrecorded", "ignored");

                List<Notification> received = recorder.awaitNotifications(21);

                assertThat(received)
                        .filteredOn(n -> n.channel().equals("ts.rec.a"))
                        .extracting(Notification::payload)
                        .containsExactlyElementsOf(sent);
                assertThat(recorder.awaitNotification(
                                        "on ts.rec.b", n -> n.channel().equals("ts.rec.b"))
                                .payload())
                        .isEqualTo("other");
                assertThat(received).noneMatch(n -> n.channel().equals("ts.rec.unrecorded"));
            }
        });
    }

    @Test
    void theApplicationsListenerStillGetsEveryNotification() {
        Applications.onTestDatabase().withBean(Applications.OrderListener.class).run(context -> {
            try (PgNotificationRecorder recorder = PgNotificationRecorder.listen(context, "ts.orders")) {
                TestDatabase.shared().execute("NOTIFY \"ts.orders\", 'o-1'");
                TestDatabase.shared().execute("NOTIFY \"ts.orders\", 'o-2'");

                assertThat(recorder.awaitPayloads(2)).containsExactly("o-1", "o-2");
                org.awaitility.Awaitility.await()
                        .atMost(Duration.ofSeconds(20))
                        .until(() -> context.getBean(Applications.OrderListener.class)
                                        .received
                                        .size()
                                == 2);
                assertThat(context.getBean(Applications.OrderListener.class).received)
                        .containsExactly("o-1", "o-2");
            }
        });
    }

    @Test
    void aNotificationSentRightAfterListenIsNotMissed() {
        // The recorder returns only once LISTEN took effect: what is sent next must arrive, every time.
        Applications.onTestDatabase().run(context -> {
            for (int round = 1; round <= 10; round++) {
                String channel = "ts.rec.fresh-" + round;
                try (PgNotificationRecorder recorder = PgNotificationRecorder.listen(context, channel)) {
                    TestDatabase.shared().execute("NOTIFY \"" + channel + "\", 'round-" + round + "'");
                    assertThat(recorder.awaitPayloads(1)).containsExactly("round-" + round);
                }
            }
        });
    }

    @Test
    void failsNamingHowManyArrived() {
        Applications.onTestDatabase().run(context -> {
            Notifier notifier = context.getBean(Notifier.class);
            try (PgNotificationRecorder recorder =
                    PgNotificationRecorder.listen(notifier, Duration.ofSeconds(20), "ts.rec.short")) {
                TestDatabase.shared().execute("NOTIFY \"ts.rec.short\", 'only-one'");
                recorder.awaitNotifications(1);

                assertThatThrownBy(() -> recorder.awaitNotifications(2, Duration.ofMillis(200)))
                        .isInstanceOf(AssertionError.class)
                        .hasMessageContaining("No 2 notification(s) within PT0.2S on [ts.rec.short]; received 1")
                        .hasMessageNotContaining("only-one");
            }
        });
    }

    @Test
    void recordsNothingOnceClosed() {
        Applications.onTestDatabase().run(context -> {
            PgNotificationRecorder closed = PgNotificationRecorder.listen(context, "ts.rec.closed");
            closed.close();
            try (PgNotificationRecorder control = PgNotificationRecorder.listen(context, "ts.rec.control")) {
                TestDatabase.shared().execute("NOTIFY \"ts.rec.closed\", 'late'");
                TestDatabase.shared().execute("NOTIFY \"ts.rec.control\", 'after'");

                // Notifications from one session arrive in order: once the later one is here, the earlier one was
                // read too, and went to nobody.
                control.awaitPayloads(1);
                assertThat(closed.notifications()).isEmpty();
                assertThat(context.getBean(Notifier.class).channels()).doesNotContain("ts.rec.closed");
            }
        });
    }

    @Test
    void clearForgetsWhatArrived() {
        Applications.onTestDatabase().run(context -> {
            try (PgNotificationRecorder recorder = PgNotificationRecorder.listen(context, "ts.rec.clear")) {
                TestDatabase.shared().execute("NOTIFY \"ts.rec.clear\", 'first'");
                recorder.awaitNotifications(1);
                recorder.clear();
                TestDatabase.shared().execute("NOTIFY \"ts.rec.clear\", 'second'");

                assertThat(recorder.awaitPayloads(1)).containsExactly("second");
            }
        });
    }
}
