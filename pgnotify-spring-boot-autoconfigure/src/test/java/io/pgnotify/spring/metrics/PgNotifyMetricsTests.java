package io.pgnotify.spring.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.search.MeterNotFoundException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.pgnotify.core.ConnectionProvider;
import io.pgnotify.core.Notifier;
import io.pgnotify.core.NotifierState;
import io.pgnotify.core.OverflowPolicy;
import io.pgnotify.testing.TestDatabase;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The meters, fed by a notifier on a real server. */
class PgNotifyMetricsTests {

    private static final Duration DEADLINE = Duration.ofSeconds(20);

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private Notifier notifier;

    @AfterEach
    void close() {
        if (notifier != null) {
            notifier.shutdown(Duration.ofSeconds(5));
        }
    }

    @Test
    void countsReceivedNotificationsPerChannel() throws Exception {
        start(100, b -> b);
        notifier.subscribe("metrics.received", n -> {});
        notifier.publish("metrics.received", "a");
        notifier.publish("metrics.received", "b");

        eventually()
                .untilAsserted(() -> assertThat(registry.get(PgNotifyMetrics.RECEIVED)
                                .tag("channel", "metrics.received")
                                .counter()
                                .count())
                        .isEqualTo(2));
    }

    @Test
    void timesHandlersByOutcome() throws Exception {
        start(100, b -> b.callbackTimeout(Duration.ofMillis(200)));
        CountDownLatch never = new CountDownLatch(1);
        notifier.subscribe("metrics.handled", n -> {
            switch (n.payload()) {
                case "fail" -> throw new IllegalStateException("boom");
                case "hang" -> never.await();
                default -> {}
            }
        });
        notifier.publish("metrics.handled", "ok");
        notifier.publish("metrics.handled", "fail");
        notifier.publish("metrics.handled", "hang");

        eventually().untilAsserted(() -> {
            for (String outcome : new String[] {"success", "error", "timeout"}) {
                Timer timer = registry.get(PgNotifyMetrics.HANDLER_DURATION)
                        .tags("channel", "metrics.handled", "outcome", outcome)
                        .timer();
                assertThat(timer.count()).as(outcome).isEqualTo(1);
            }
        });
        Timer timeout = registry.get(PgNotifyMetrics.HANDLER_DURATION)
                .tag("outcome", "timeout")
                .timer();
        assertThat(timeout.totalTime(TimeUnit.MILLISECONDS)).isGreaterThanOrEqualTo(200);
        assertThat(timeout.getId().getTag("listener")).isEqualTo("_other");
    }

    @Test
    void countsDroppedNotificationsWithThePolicy() throws Exception {
        start(100, b -> b.bufferSize(1).overflowPolicy(OverflowPolicy.DROP_NEWEST));
        CountDownLatch release = new CountDownLatch(1);
        notifier.subscribe("metrics.dropped", n -> release.await());
        try {
            TestDatabase.shared()
                    .execute("SELECT pg_notify('metrics.dropped', i::text) FROM generate_series(1, 10) AS i");

            eventually()
                    .untilAsserted(() -> assertThat(registry.get(PgNotifyMetrics.DROPPED)
                                    .tags("channel", "metrics.dropped", "policy", "drop_newest")
                                    .counter()
                                    .count())
                            .isGreaterThanOrEqualTo(8));
        } finally {
            release.countDown();
        }
    }

    @Test
    void countsChannelsBeyondTheLimitUnderOneTag() {
        PgNotifyMetrics metrics = new PgNotifyMetrics(2, OverflowPolicy.BLOCK);
        metrics.bindTo(registry);

        for (int i = 0; i < 50; i++) {
            metrics.onPublished("dynamic." + i, 1);
        }
        metrics.onPublished("dynamic.0", 3);

        assertThat(registry.get(PgNotifyMetrics.PUBLISHED).counters()).hasSize(3);
        assertThat(registry.get(PgNotifyMetrics.PUBLISHED)
                        .tag("channel", "dynamic.0")
                        .counter()
                        .count())
                .isEqualTo(4);
        assertThat(registry.get(PgNotifyMetrics.PUBLISHED)
                        .tag("channel", PgNotifyMetrics.OTHER_CHANNEL)
                        .counter()
                        .count())
                .isEqualTo(48);
    }

    @Test
    void gaugesTheListeningConnection() throws Exception {
        start(100, b -> b.pingInterval(Duration.ofMillis(200)));
        TestDatabase db = TestDatabase.shared();

        assertThat(registry.get(PgNotifyConnectionMetrics.CONNECTION_UP).gauge().value())
                .isEqualTo(1);
        assertThat(registry.get(PgNotifyConnectionMetrics.BUFFER_USED).gauge().value())
                .isZero();
        assertThat(registry.get(PgNotifyConnectionMetrics.SERVER_QUEUE_USAGE)
                        .gauge()
                        .value())
                .isBetween(0.0, 1.0);
        assertThat(registry.get(PgNotifyConnectionMetrics.RECONNECTS)
                        .functionCounter()
                        .count())
                .isZero();

        db.execute("SELECT pg_terminate_backend(" + notifier.status().backendPid() + ")");

        eventually()
                .untilAsserted(() -> assertThat(registry.get(PgNotifyConnectionMetrics.RECONNECTS)
                                .functionCounter()
                                .count())
                        .isEqualTo(1));
        eventually()
                .until(() -> registry.get(PgNotifyConnectionMetrics.CONNECTION_UP)
                                .gauge()
                                .value()
                        == 1);
    }

    @Test
    void gaugesHandlersStuckPastTheirInterrupt() throws Exception {
        start(100, b -> b.callbackTimeout(Duration.ofMillis(200)));
        CountDownLatch release = new CountDownLatch(1);
        notifier.subscribe("metrics.stuck", n -> {
            while (release.getCount() > 0) { // ignores interruption
                java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
                Thread.interrupted();
            }
        });
        assertThat(registry.get(PgNotifyConnectionMetrics.HANDLERS_STUCK)
                        .gauge()
                        .value())
                .isZero();

        notifier.publish("metrics.stuck", "x");

        eventually()
                .until(() -> registry.get(PgNotifyConnectionMetrics.HANDLERS_STUCK)
                                .gauge()
                                .value()
                        == 1);
        release.countDown();
        eventually()
                .until(() -> registry.get(PgNotifyConnectionMetrics.HANDLERS_STUCK)
                                .gauge()
                                .value()
                        == 0);
    }

    @Test
    void describesEveryMeter() throws Exception {
        start(100, b -> b);
        notifier.subscribe("metrics.described", n -> {});
        notifier.publish("metrics.described", "x");
        PgNotifyMetrics metrics = new PgNotifyMetrics(10, OverflowPolicy.DROP_OLDEST);
        metrics.bindTo(registry);
        metrics.onPublished("metrics.described", 1);
        metrics.onDrop(new io.pgnotify.core.Notification("metrics.described", "", 1, java.time.Instant.now()));
        eventually()
                .until(() -> !registry.find(PgNotifyMetrics.HANDLER_DURATION)
                        .timers()
                        .isEmpty());

        assertThat(registry.getMeters())
                .extracting(meter -> meter.getId().getName())
                .contains(
                        PgNotifyMetrics.RECEIVED,
                        PgNotifyMetrics.PUBLISHED,
                        PgNotifyMetrics.DROPPED,
                        PgNotifyMetrics.HANDLER_DURATION,
                        PgNotifyConnectionMetrics.RECONNECTS,
                        PgNotifyConnectionMetrics.CONNECTION_UP,
                        PgNotifyConnectionMetrics.BUFFER_USED,
                        PgNotifyConnectionMetrics.HANDLERS_STUCK,
                        PgNotifyConnectionMetrics.SERVER_QUEUE_USAGE);
        for (Meter meter : registry.getMeters()) {
            assertThat(meter.getId().getDescription())
                    .as(meter.getId().getName())
                    .isNotBlank();
        }
    }

    /** Meters appear with the first event: until then a lookup throws. */
    private static ConditionFactory eventually() {
        return Awaitility.await().atMost(DEADLINE).ignoreException(MeterNotFoundException.class);
    }

    private void start(int maxChannelTags, UnaryOperator<Notifier.Builder> settings) {
        TestDatabase db = TestDatabase.shared();
        PgNotifyMetrics metrics = new PgNotifyMetrics(maxChannelTags, OverflowPolicy.DROP_NEWEST);
        metrics.bindTo(registry);
        notifier = settings.apply(Notifier.builder(ConnectionProvider.of(db.url(), db.user(), db.password()))
                        .name("metrics")
                        .reconnectInterval(Duration.ofMillis(50))
                        .listener(metrics))
                .build();
        new PgNotifyConnectionMetrics(notifier).bindTo(registry);
        notifier.start();
        eventually().until(() -> notifier.state() == NotifierState.LISTENING);
    }
}
