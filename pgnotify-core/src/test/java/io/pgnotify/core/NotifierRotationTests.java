package io.pgnotify.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.pgnotify.core.Notifiers.Events;
import io.pgnotify.core.Notifiers.Recorder;
import io.pgnotify.testing.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@link Notifier#rotate()} and {@link Notifier.Builder#maxLifetime}: make-before-break, not a reconnect. */
class NotifierRotationTests {

    /** Records rotations besides the other hooks. */
    static final class Rotations implements NotifierListener {
        final Events events = new Events();
        final List<int[]> rotations = new CopyOnWriteArrayList<>();

        @Override
        public void onRotate(int oldBackendPid, int newBackendPid, Duration overlap) {
            rotations.add(new int[] {oldBackendPid, newBackendPid});
        }

        @Override
        public void onError(Throwable error, String channel) {
            events.onError(error, channel);
        }

        @Override
        public void onDisconnect(Throwable cause) {
            events.onDisconnect(cause);
        }

        @Override
        public void onReconnect(int attempts) {
            events.onReconnect(attempts);
        }
    }

    private static Notifier.Builder builder(String name, ConnectionProvider provider, NotifierListener listener) {
        return Notifier.builder(provider)
                .name(name)
                .applicationName("pgnotify-" + name)
                .publisher(Notifiers.provider())
                .pingTimeout(Duration.ofSeconds(2))
                .listener(listener);
    }

    private static boolean backendAlive(int pid) throws Exception {
        try (Connection c = TestDatabase.shared().connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE pid = " + pid)) {
            rs.next();
            return rs.getInt(1) > 0;
        }
    }

    @Test
    void rotateReplacesTheSessionWithoutAReconnectAndTheOldBackendIsGone() throws Exception {
        Rotations hooks = new Rotations();
        Recorder recorder = new Recorder();
        try (Notifier notifier = builder("rotate", Notifiers.provider(), hooks).build()) {
            notifier.subscribe("rotate.a", recorder);
            notifier.start();
            Notifiers.awaitListening(notifier);
            int oldPid = notifier.status().backendPid();
            notifier.publish("rotate.a", "before");

            notifier.rotate().get(10, TimeUnit.SECONDS);

            int newPid = notifier.status().backendPid();
            assertThat(newPid).isNotEqualTo(oldPid);
            await().atMost(Duration.ofSeconds(5)).until(() -> hooks.rotations.size() == 1);
            assertThat(hooks.rotations.get(0)).containsExactly(oldPid, newPid);
            assertThat(notifier.status().rotations()).isEqualTo(1);
            assertThat(notifier.status().lastRotationAt()).isNotNull();
            assertThat(notifier.status().sessionAge()).isNotNull();
            assertThat(notifier.state()).isEqualTo(NotifierState.LISTENING);
            await().atMost(Duration.ofSeconds(5)).until(() -> !backendAlive(oldPid));
            notifier.publish("rotate.a", "after");
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> recorder.payloads().size() == 2);
            assertThat(recorder.payloads()).containsExactly("before", "after");
            assertThat(hooks.events.log).doesNotContain("disconnect", "reconnect");
        }
    }

    @Test
    void aRotationBehindAHandlerBacklogLongerThanThePingTimeoutCompletesWithoutAGap() throws Exception {
        Rotations hooks = new Rotations();
        Recorder recorder = new Recorder();
        RotatingProvider provider = new RotatingProvider(Notifiers.provider());
        List<String> payloads = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            payloads.add(Integer.toString(i));
        }
        try (Notifier notifier = builder("backlog", provider, hooks)
                .pingTimeout(Duration.ofSeconds(1))
                .bufferSize(1)
                .build()) {
            notifier.subscribe("backlog.a", n -> {
                Thread.sleep(10); // a handler's work: 300 of them take three ping timeouts
                recorder.handle(n);
            });
            notifier.start();
            Notifiers.awaitListening(notifier);
            // committed as the rotation opens its connection: before the new LISTEN and the marker, so the old
            // session must deliver all 300 into the full buffer before it reaches the marker (slow, not dead)
            provider.beforeNext = () -> {
                try {
                    notifier.publishAll("backlog.a", payloads);
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            };
            provider.next.set(RotatingProvider.Next.HOOK);

            notifier.rotate().get(30, TimeUnit.SECONDS);

            await().atMost(Duration.ofSeconds(20))
                    .until(() -> recorder.payloads().size() >= 300);
            assertThat(recorder.payloads()).containsExactlyElementsOf(payloads);
            assertThat(notifier.status().rotations()).isEqualTo(1);
            assertThat(hooks.events.log).doesNotContain("disconnect", "reconnect");
        }
    }

    @Test
    void maxLifetimeRotatesOnItsOwn() throws Exception {
        Rotations hooks = new Rotations();
        try (Notifier notifier = builder("lifetime", Notifiers.provider(), hooks)
                .maxLifetime(Duration.ofSeconds(1))
                .build()) {
            notifier.subscribe("lifetime.a", n -> {});
            notifier.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> hooks.rotations.size() >= 2);
            assertThat(hooks.events.log).doesNotContain("disconnect", "reconnect");
        }
    }

    @Test
    void aRotationWhoseNewConnectionIsRefusedOrCannotListenIsAbandonedAndTheOldSessionGoesOn() throws Exception {
        Rotations hooks = new Rotations();
        RotatingProvider provider = new RotatingProvider(Notifiers.provider());
        Recorder recorder = new Recorder();
        try (Notifier notifier = builder("abandoned", provider, hooks).build()) {
            notifier.subscribe("abandoned.a", recorder);
            notifier.start();
            Notifiers.awaitListening(notifier);
            int pid = notifier.status().backendPid();

            provider.next.set(RotatingProvider.Next.REFUSED);
            assertThatThrownBy(() -> notifier.rotate().get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasMessageContaining("Rotation abandoned");
            provider.next.set(RotatingProvider.Next.LISTEN_FAILS);
            assertThatThrownBy(() -> notifier.rotate().get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasMessageContaining("could not LISTEN");

            assertThat(notifier.status().backendPid()).isEqualTo(pid);
            assertThat(notifier.state()).isEqualTo(NotifierState.LISTENING);
            notifier.publish("abandoned.a", "still here");
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> recorder.payloads().contains("still here"));
            assertThat(hooks.events.log).doesNotContain("disconnect", "reconnect");
            assertThat(hooks.rotations).isEmpty();
        }
    }

    @Test
    void anOldBackendKilledMidRotationHandsOverToTheNewOneWithTheGapAnnounced() throws Exception {
        Rotations hooks = new Rotations();
        RotatingProvider provider = new RotatingProvider(Notifiers.provider());
        try (Notifier notifier = builder("killed-mid", provider, hooks).build()) {
            notifier.subscribe("killed-mid.a", n -> {});
            notifier.start();
            Notifiers.awaitListening(notifier);
            int oldPid = notifier.status().backendPid();
            provider.beforeNext = () -> TestDatabase.shared().execute("SELECT pg_terminate_backend(" + oldPid + ")");
            provider.next.set(RotatingProvider.Next.HOOK);

            notifier.rotate().get(10, TimeUnit.SECONDS);

            assertThat(notifier.status().backendPid()).isNotEqualTo(oldPid);
            assertThat(notifier.state()).isEqualTo(NotifierState.LISTENING);
            await().atMost(Duration.ofSeconds(5)).until(() -> hooks.events.reconnects.size() == 1);
        }
    }

    @Test
    void aNotifierThatIsNotListeningDoesNotRotate() {
        try (Notifier notifier =
                builder("not-started", Notifiers.provider(), new Rotations()).build()) {
            assertThatThrownBy(() -> notifier.rotate().get(1, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(IllegalStateException.class);
        }
    }
}
