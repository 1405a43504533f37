package io.pgnotify.core.durable;

import static org.awaitility.Awaitility.await;

import io.pgnotify.core.ConnectionProvider;
import io.pgnotify.core.Notifier;
import io.pgnotify.core.NotifierState;
import io.pgnotify.testing.TestDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;

/** Shared fixtures for durable channel tests: the schema, started instances, unique names, a recording handler. */
final class DurableFixture implements AutoCloseable {

    private static volatile boolean installed;

    private final List<AutoCloseable> opened = new ArrayList<>();

    static synchronized void installSchema() {
        if (installed) {
            return;
        }
        try (Connection c = TestDatabase.shared().connect()) {
            DurableSchema.install(c);
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot install the durable schema", e);
        }
        installed = true;
    }

    static ConnectionProvider provider() {
        TestDatabase db = TestDatabase.shared();
        return ConnectionProvider.of(db.url(), db.user(), db.password());
    }

    static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    Notifier notifier() {
        Notifier notifier = Notifier.builder(provider()).build();
        opened.add(notifier);
        notifier.start();
        await().atMost(Duration.ofSeconds(20)).until(() -> notifier.state() == NotifierState.LISTENING);
        return notifier;
    }

    /** Durable channels on a started notifier, not started themselves. */
    DurableChannels durable(UnaryOperator<DurableChannels.Builder> options) {
        return durable(notifier(), options);
    }

    DurableChannels durable(Notifier notifier, UnaryOperator<DurableChannels.Builder> options) {
        DurableChannels durable = options.apply(DurableChannels.builder(notifier, provider())
                        .pollInterval(Duration.ofSeconds(1))
                        .leaseTimeout(Duration.ofSeconds(5))
                        .retryBackoff(new RetryBackoff(Duration.ofMillis(20), 2.0, Duration.ofMillis(100)))
                        .startFrom(StartFrom.EARLIEST))
                .build();
        opened.add(0, durable);
        return durable;
    }

    static long publish(String channel, String payload) throws SQLException {
        try (Connection c = TestDatabase.shared().connect()) {
            return DurablePublisher.publish(c, channel, null, payload);
        }
    }

    @Override
    public void close() throws Exception {
        for (AutoCloseable c : opened) {
            c.close();
        }
    }

    /** Records what a group handled, as a handler. */
    static final class Recorder implements DurableHandler {
        final List<DurableMessage> handled = new CopyOnWriteArrayList<>();

        @Override
        public void handle(DurableMessage message) {
            handled.add(message);
        }

        List<String> payloads() {
            return handled.stream().map(DurableMessage::payload).toList();
        }
    }
}
