package io.pgnotify.core;

import static org.awaitility.Awaitility.await;

import io.pgnotify.testing.TestDatabase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/** Shared fixtures for notifier tests: building, starting, and recording what arrives. */
final class Notifiers {

    private Notifiers() {}

    static ConnectionProvider provider() {
        TestDatabase db = TestDatabase.shared();
        return ConnectionProvider.of(db.url(), db.user(), db.password());
    }

    static Notifier started(UnaryOperator<Notifier.Builder> settings) {
        Notifier notifier = settings.apply(Notifier.builder(provider())).build();
        notifier.start();
        awaitListening(notifier);
        return notifier;
    }

    static void awaitListening(Notifier notifier) {
        await().atMost(Duration.ofSeconds(20)).until(() -> notifier.state() == NotifierState.LISTENING);
    }

    static void pgNotify(String channel, String payload) {
        TestDatabase.shared()
                .execute(
                        "SELECT pg_notify('" + channel.replace("'", "''") + "', '" + payload.replace("'", "''") + "')");
    }

    /** Collects notifications, as a handler. */
    static final class Recorder implements NotificationHandler {
        final List<Notification> received = new CopyOnWriteArrayList<>();

        @Override
        public void handle(Notification notification) {
            received.add(notification);
        }

        List<String> payloads() {
            List<String> payloads = new ArrayList<>();
            received.forEach(n -> payloads.add(n.payload()));
            return payloads;
        }
    }

    /** Records hook calls. */
    static final class Events implements NotifierListener {
        final List<String> log = new CopyOnWriteArrayList<>();
        final List<Throwable> errors = new CopyOnWriteArrayList<>();
        final List<Notification> dropped = new CopyOnWriteArrayList<>();
        final List<Integer> reconnects = new CopyOnWriteArrayList<>();

        @Override
        public void onError(Throwable error, @Nullable String channel) {
            errors.add(error);
            log.add("error:" + channel);
        }

        @Override
        public void onConnect() {
            log.add("connect");
        }

        @Override
        public void onDisconnect(Throwable cause) {
            log.add("disconnect");
        }

        @Override
        public void onReconnect(int attempts) {
            reconnects.add(attempts);
            log.add("reconnect");
        }

        @Override
        public void onDrop(Notification notification) {
            dropped.add(notification);
        }
    }
}
