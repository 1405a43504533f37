package io.pgnotify.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.awaitility.Awaitility.await;

import io.pgnotify.core.Notifiers.Recorder;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class NotifierRestartTests {

    @Test
    void stopThenStartListensAgainToTheSameChannelsAndAnnouncesTheGap() throws Exception {
        List<Duration> downtimes = new CopyOnWriteArrayList<>();
        NotifierListener events = new NotifierListener() {
            @Override
            public void onReconnect(int attempts, Duration downtime) {
                downtimes.add(downtime);
            }
        };
        Notifier notifier = Notifier.builder(Notifiers.provider())
                .name("restartable")
                .listener(events)
                .build();
        Recorder recorder = new Recorder();
        notifier.subscribe("restart.a", recorder);
        try {
            notifier.start();
            Notifiers.awaitListening(notifier);
            Notifiers.pgNotify("restart.a", "1");
            await().atMost(Duration.ofSeconds(10)).until(() -> recorder.received.size() == 1);

            assertThat(notifier.stop(Duration.ofSeconds(10))).isTrue();
            assertThat(notifier.state()).isEqualTo(NotifierState.STOPPED);
            Notifiers.pgNotify("restart.a", "lost while stopped");
            Recorder late = new Recorder();
            notifier.subscribe("restart.b", late);

            notifier.start();
            Notifiers.awaitListening(notifier);
            assertThat(notifier.status().listenedChannels()).contains("restart.a", "restart.b");
            Notifiers.pgNotify("restart.a", "2");
            Notifiers.pgNotify("restart.b", "3");
            await().atMost(Duration.ofSeconds(10)).until(() -> recorder.received.size() == 2);
            await().atMost(Duration.ofSeconds(10)).until(() -> late.received.size() == 1);
            assertThat(recorder.payloads()).containsExactly("1", "2");
            await().atMost(Duration.ofSeconds(10)).until(() -> downtimes.size() == 1);
            assertThat(downtimes.get(0)).isPositive();
            assertThat(notifier.status().reconnects()).isEqualTo(1);
        } finally {
            notifier.close();
        }
    }

    @Test
    void closeAfterStopIsTerminal() throws Exception {
        Notifier notifier = Notifiers.started(b -> b.name("stop-close"));
        assertThat(notifier.stop(Duration.ofSeconds(10))).isTrue();
        notifier.close();

        assertThat(notifier.state()).isEqualTo(NotifierState.STOPPED);
        assertThatIllegalStateException().isThrownBy(notifier::start).withMessageContaining("stop-close");
        assertThatIllegalStateException().isThrownBy(() -> notifier.subscribe("late", n -> {}));
    }
}
