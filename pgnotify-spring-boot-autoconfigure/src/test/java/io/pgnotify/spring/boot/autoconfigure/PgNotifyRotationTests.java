package io.pgnotify.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.pgnotify.core.Notifier;
import io.pgnotify.core.NotifierListener;
import io.pgnotify.spring.PgListener;
import io.pgnotify.spring.PgNotifyReconnectedEvent;
import io.pgnotify.spring.PgNotifyRotatedEvent;
import io.pgnotify.spring.PgNotifyTemplate;
import io.pgnotify.spring.boot.autoconfigure.metrics.ObservedApplications;
import io.pgnotify.spring.health.PgNotifyHealthIndicator;
import io.pgnotify.spring.metrics.PgNotifyConnectionMetrics;
import io.pgnotify.testing.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;

/** {@code pgnotify.listener.max-lifetime}: the application rotates its listening session by itself, without a gap. */
class PgNotifyRotationTests {

    private static final int ROTATIONS = 3;

    private final ApplicationContextRunner contextRunner = ObservedApplications.onTestDatabase()
            .withConfiguration(
                    AutoConfigurations.of(MetricsAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class))
            .withUserConfiguration(RotationListeners.class);

    @Test
    void rotatesByItselfWithoutAReconnectAndEveryNotificationArrivesOnceInOrder() {
        AtomicBoolean publishing = new AtomicBoolean(true);
        AtomicInteger sent = new AtomicInteger();
        Queue<Throwable> publishFailures = new ConcurrentLinkedQueue<>();
        contextRunner
                .withPropertyValues(
                        "pgnotify.listener.max-lifetime=1s", "pgnotify.listener.application-name=pgnotify-rotation")
                .run(context -> {
                    Notifier notifier = context.getBean(Notifier.class);
                    RotationListeners listeners = context.getBean(RotationListeners.class);
                    await().atMost(Duration.ofSeconds(15))
                            .until(() -> notifier.status().healthy());
                    PgNotifyTemplate template = context.getBean(PgNotifyTemplate.class);
                    Thread publisher = new Thread(
                            () -> {
                                while (publishing.get()) {
                                    try {
                                        template.publish("rot.seq", Integer.toString(sent.get()));
                                        sent.incrementAndGet();
                                    } catch (RuntimeException e) {
                                        publishFailures.add(e);
                                        return;
                                    }
                                }
                            },
                            "rotation-publisher");
                    publisher.start();
                    AtomicInteger mostSessions = new AtomicInteger();
                    try {
                        await().atMost(Duration.ofSeconds(30)).until(() -> {
                            mostSessions.accumulateAndGet(listeningSessions("pgnotify-rotation"), Math::max);
                            return listeners.rotated.size() >= ROTATIONS;
                        });
                    } finally {
                        publishing.set(false);
                        publisher.join(10_000);
                    }
                    assertThat(publishFailures).isEmpty();
                    int total = sent.get();
                    await().atMost(Duration.ofSeconds(20)).until(() -> listeners.received.size() >= total);

                    // Every notification once, in the order sent, across the rotations.
                    List<Integer> received = List.copyOf(listeners.received);
                    assertThat(received).hasSize(total);
                    for (int i = 0; i < total; i++) {
                        assertThat(received.get(i)).as("notification #" + i).isEqualTo(i);
                    }
                    assertThat(total).isGreaterThan(ROTATIONS);

                    // A rotation is announced as such, never as a reconnect.
                    assertThat(listeners.reconnected).isEmpty();
                    PgNotifyRotatedEvent first = listeners.rotated.get(0);
                    assertThat(first.oldBackendPid()).isPositive().isNotEqualTo(first.newBackendPid());
                    assertThat(first.newBackendPid()).isPositive();
                    assertThat(first.overlap()).isPositive();
                    assertThat(first.notifier()).isSameAs(notifier);
                    assertThat(first.notifierName()).isEqualTo("main");
                    for (int i = 1; i < listeners.rotated.size(); i++) {
                        assertThat(listeners.rotated.get(i).oldBackendPid())
                                .as("rotation #" + i + " starts from the session the one before opened")
                                .isEqualTo(listeners.rotated.get(i - 1).newBackendPid());
                    }
                    assertThat(listeners.hookRotations.get())
                            .as("application NotifierListener beans hear onRotate too")
                            .isGreaterThanOrEqualTo(ROTATIONS);
                    assertThat(notifier.status().reconnects()).isZero();
                    assertThat(mostSessions.get())
                            .as("listening sessions seen at once in pg_stat_activity")
                            .isBetween(1, 2);

                    // The meter and the health component show the rotations.
                    MeterRegistry registry = context.getBean(MeterRegistry.class);
                    assertThat(registry.get(PgNotifyConnectionMetrics.ROTATIONS)
                                    .functionCounter()
                                    .count())
                            .isGreaterThanOrEqualTo(ROTATIONS);
                    Map<String, Object> details = context.getBean(PgNotifyHealthIndicator.class)
                            .health()
                            .getDetails();
                    assertThat((Long) details.get("rotations")).isGreaterThanOrEqualTo(ROTATIONS);
                    assertThat(Duration.parse((String) details.get("sessionAge")))
                            .as("a session is replaced at about 1 s of age (up to 10% jitter)")
                            .isLessThan(Duration.ofSeconds(3));
                    assertThat(Instant.parse((String) details.get("lastRotation")))
                            .isAfter(Instant.now().minusSeconds(30));
                });
    }

    @Test
    void withoutMaxLifetimeTheSessionIsNotRotated() {
        contextRunner.run(context -> {
            Notifier notifier = context.getBean(Notifier.class);
            await().atMost(Duration.ofSeconds(15)).until(() -> notifier.status().healthy());
            Map<String, Object> details =
                    context.getBean(PgNotifyHealthIndicator.class).health().getDetails();
            assertThat(details)
                    .containsEntry("rotations", 0L)
                    .containsKey("sessionAge")
                    .doesNotContainKey("lastRotation");
            assertThat(context.getBean(MeterRegistry.class)
                            .get(PgNotifyConnectionMetrics.ROTATIONS)
                            .functionCounter()
                            .count())
                    .isZero();
        });
    }

    @Test
    void failsAtStartupOnAMaxLifetimeThatIsNotPositive() {
        for (String value : new String[] {"0s", "-5s"}) {
            TestApplications.onTestDatabase()
                    .withPropertyValues("pgnotify.listener.max-lifetime=" + value)
                    .run(context -> assertThat(context)
                            .hasFailed()
                            .getFailure()
                            .rootCause()
                            .hasMessage("pgnotify.listener.max-lifetime must be positive (or unset for never), got "
                                    + Duration.parse(value.equals("0s") ? "PT0S" : "PT-5S")));
        }
    }

    private static int listeningSessions(String applicationName) throws SQLException {
        try (Connection c = TestDatabase.shared().connect();
                PreparedStatement s =
                        c.prepareStatement("SELECT count(*) FROM pg_stat_activity WHERE application_name = ?")) {
            s.setString(1, applicationName);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class RotationListeners {

        final Queue<Integer> received = new ConcurrentLinkedQueue<>();
        final List<PgNotifyRotatedEvent> rotated = new CopyOnWriteArrayList<>();
        final List<PgNotifyReconnectedEvent> reconnected = new CopyOnWriteArrayList<>();
        final AtomicInteger hookRotations = new AtomicInteger();

        @PgListener("rot.seq")
        void onSequence(String payload) {
            received.add(Integer.valueOf(payload));
        }

        @EventListener
        void onRotated(PgNotifyRotatedEvent event) {
            rotated.add(event);
        }

        @EventListener
        void onReconnected(PgNotifyReconnectedEvent event) {
            reconnected.add(event);
        }

        @Bean
        NotifierListener rotationHook() {
            return new NotifierListener() {
                @Override
                public void onRotate(int oldBackendPid, int newBackendPid, Duration overlap) {
                    hookRotations.incrementAndGet();
                }
            };
        }
    }
}
