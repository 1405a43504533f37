package io.pgnotify.spring.boot.autoconfigure.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.search.MeterNotFoundException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistryAssert;
import io.pgnotify.core.Notifier;
import io.pgnotify.spring.PgNotifyTemplate;
import io.pgnotify.spring.metrics.PgNotifyConnectionMetrics;
import io.pgnotify.spring.metrics.PgNotifyMetrics;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

class PgNotifyMetricsAutoConfigurationTests {

    private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PgNotifyMetricsAutoConfiguration.class))
            .withBean(
                    Notifier.class,
                    () -> Notifier.builder(() -> {
                                throw new java.sql.SQLException("not used");
                            })
                            .build());

    @Test
    void registersTheMetersWhenThereIsAMeterRegistry() {
        contextRunner
                .withBean(SimpleMeterRegistry.class, SimpleMeterRegistry::new)
                .run(context -> assertThat(context)
                        .hasSingleBean(PgNotifyMetrics.class)
                        .hasSingleBean(PgNotifyConnectionMetrics.class)
                        .hasBean("pgNotifyChannelTagFilter"));
    }

    @Test
    void backsOffWithoutAMeterRegistry() {
        contextRunner.run(context -> assertThat(context)
                .doesNotHaveBean(PgNotifyMetrics.class)
                .doesNotHaveBean(PgNotifyConnectionMetrics.class));
    }

    @Test
    void backsOffWithoutMicrometerOnTheClasspath() {
        contextRunner
                .withClassLoader(new FilteredClassLoader(MeterRegistry.class))
                .run(context -> assertThat(context).doesNotHaveBean(PgNotifyMetrics.class));
    }

    @Test
    void backsOffWithoutANotifier() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(PgNotifyMetricsAutoConfiguration.class))
                .withBean(SimpleMeterRegistry.class, SimpleMeterRegistry::new)
                .run(context -> assertThat(context).doesNotHaveBean(PgNotifyMetrics.class));
    }

    @Test
    void capsTheChannelTagAsConfigured() {
        contextRunner
                .withBean(SimpleMeterRegistry.class, SimpleMeterRegistry::new)
                .withPropertyValues("pgnotify.metrics.max-channel-tags=1")
                .run(context -> {
                    PgNotifyMetrics metrics = context.getBean(PgNotifyMetrics.class);
                    SimpleMeterRegistry registry = context.getBean(SimpleMeterRegistry.class);
                    metrics.bindTo(registry);
                    metrics.onPublished("first", 1);
                    metrics.onPublished("second", 1);
                    assertThat(registry.get(PgNotifyMetrics.PUBLISHED)
                                    .tag("channel", PgNotifyMetrics.OTHER_CHANNEL)
                                    .counter()
                                    .count())
                            .isEqualTo(1);
                });
    }

    @Test
    void measuresPublishingAndHandlingOnARealServer() {
        ObservedApplications.onTestDatabase()
                .withConfiguration(AutoConfigurations.of(
                        MetricsAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class))
                .withBean(ObservedApplications.OrderListener.class)
                .run(context -> {
                    MeterRegistry registry = context.getBean(MeterRegistry.class);
                    PgNotifyTemplate template = context.getBean(PgNotifyTemplate.class);

                    template.publish("obs.orders", "ok");
                    template.publish("obs.orders", "fail");

                    eventually().untilAsserted(() -> {
                        assertThat(registry.get(PgNotifyMetrics.HANDLER_DURATION)
                                        .tags("channel", "obs.orders", "listener", "orders", "outcome", "success")
                                        .timer()
                                        .count())
                                .isEqualTo(1);
                        assertThat(registry.get(PgNotifyMetrics.HANDLER_DURATION)
                                        .tags("channel", "obs.orders", "listener", "orders", "outcome", "error")
                                        .timer()
                                        .count())
                                .isEqualTo(1);
                    });
                    assertThat(registry.get(PgNotifyMetrics.PUBLISHED)
                                    .tag("channel", "obs.orders")
                                    .counter()
                                    .count())
                            .isEqualTo(2);
                    assertThat(registry.get(PgNotifyMetrics.RECEIVED)
                                    .tag("channel", "obs.orders")
                                    .counter()
                                    .count())
                            .isEqualTo(2);
                    assertThat(registry.get(PgNotifyConnectionMetrics.CONNECTION_UP)
                                    .gauge()
                                    .value())
                            .isEqualTo(1);
                    assertThat(registry.get(PgNotifyMetrics.HANDLER_DURATION).timers().stream()
                                    .mapToDouble(t -> t.totalTime(TimeUnit.NANOSECONDS)))
                            .allMatch(nanos -> nanos > 0);
                });
    }

    @Test
    void observesPublishingAndHandlingThroughTheContextsObservationRegistry() {
        // Boot's tracing registers its handlers on this registry: what is observed here is what it traces.
        Queue<String> seen = new ConcurrentLinkedQueue<>();
        ObservedApplications.onTestDatabase()
                .withConfiguration(AutoConfigurations.of(ObservationAutoConfiguration.class))
                .withBean(TestObservationRegistry.class, () -> {
                    TestObservationRegistry registry = TestObservationRegistry.create();
                    registry.observationConfig().observationHandler(new Recorder(seen));
                    return registry;
                })
                .withBean(ObservedApplications.OrderListener.class)
                .run(context -> {
                    TestObservationRegistry observations = context.getBean(TestObservationRegistry.class);
                    context.getBean(PgNotifyTemplate.class).publish("obs.orders", "secret-payload");

                    eventually()
                            .untilAsserted(() -> TestObservationRegistryAssert.assertThat(observations)
                                    .hasObservationWithNameEqualTo("pgnotify.handle")
                                    .that()
                                    .hasLowCardinalityKeyValue("channel", "obs.orders")
                                    .hasLowCardinalityKeyValue("listener", "orders")
                                    .hasBeenStarted()
                                    .hasBeenStopped());
                    TestObservationRegistryAssert.assertThat(observations)
                            .hasObservationWithNameEqualTo("pgnotify.publish")
                            .that()
                            .hasLowCardinalityKeyValue("channel", "obs.orders")
                            .hasBeenStopped();
                    assertThat(seen).isNotEmpty().noneMatch(text -> text.contains("secret-payload"));
                });
    }

    /** Everything an observation handler such as a tracer could see of each observation. */
    private record Recorder(Queue<String> seen) implements ObservationHandler<Observation.Context> {

        @Override
        public void onStop(Observation.Context context) {
            seen.add(context.getName() + " " + context.getContextualName() + " " + context.getAllKeyValues() + " "
                    + context.getError());
        }

        @Override
        public boolean supportsContext(Observation.Context context) {
            return true;
        }
    }

    @Test
    void capsTheChannelTagOfTheObservationsMeters() {
        ObservedApplications.onTestDatabase()
                .withConfiguration(AutoConfigurations.of(
                        ObservationAutoConfiguration.class,
                        MetricsAutoConfiguration.class,
                        SimpleMetricsExportAutoConfiguration.class))
                .withPropertyValues("pgnotify.metrics.max-channel-tags=1")
                .run(context -> {
                    PgNotifyTemplate template = context.getBean(PgNotifyTemplate.class);
                    template.publish("obs.first", "1");
                    template.publish("obs.second", "2");
                    template.publish("obs.third", "3");

                    MeterRegistry registry = context.getBean(MeterRegistry.class);
                    assertThat(registry.get("pgnotify.publish").timers())
                            .extracting(t -> t.getId().getTag("channel"))
                            .containsExactlyInAnyOrder("obs.first", PgNotifyMetrics.OTHER_CHANNEL);
                });
    }

    private static ConditionFactory eventually() {
        return Awaitility.await().atMost(Duration.ofSeconds(20)).ignoreException(MeterNotFoundException.class);
    }
}
