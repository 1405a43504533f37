package io.pgnotify.spring.boot.autoconfigure.observation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.common.KeyValues;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistryAssert;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.test.simple.SimpleSpan;
import io.micrometer.tracing.test.simple.SimpleTracer;
import io.pgnotify.spring.PgNotifyTemplate;
import io.pgnotify.spring.boot.autoconfigure.metrics.ObservedApplications;
import io.pgnotify.spring.observation.DefaultPgNotifyListenerObservationConvention;
import io.pgnotify.spring.observation.DefaultPgNotifyTemplateObservationConvention;
import io.pgnotify.spring.observation.PgNotifyListenerObservationContext;
import io.pgnotify.spring.observation.PgNotifyListenerObservationConvention;
import io.pgnotify.spring.observation.PgNotifyTemplateObservationContext;
import io.pgnotify.spring.observation.PgNotifyTemplateObservationConvention;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration;
import org.springframework.boot.micrometer.tracing.autoconfigure.MicrometerTracingAutoConfiguration;

/** The observations of a real send and handling carry the conventions' keys, and convention beans replace them. */
class PgNotifyObservationConventionTests {

    @Test
    void publishAndHandleCarryOpenTelemetrysMessagingKeys() {
        ObservedApplications.onTestDatabase()
                .withConfiguration(AutoConfigurations.of(ObservationAutoConfiguration.class))
                .withBean(TestObservationRegistry.class, TestObservationRegistry::create)
                .withBean("orderListener", ObservedApplications.OrderListener.class)
                .run(context -> {
                    TestObservationRegistry observations = context.getBean(TestObservationRegistry.class);
                    context.getBean(PgNotifyTemplate.class).publishAll("obs.orders", List.of("1", "2"));

                    await().atMost(Duration.ofSeconds(20))
                            .untilAsserted(() -> TestObservationRegistryAssert.assertThat(observations)
                                    .hasObservationWithNameEqualTo("pgnotify.handle")
                                    .that()
                                    .hasContextualNameEqualTo("obs.orders process")
                                    .hasLowCardinalityKeyValue("channel", "obs.orders")
                                    .hasLowCardinalityKeyValue("listener", "orders")
                                    .hasLowCardinalityKeyValue("messaging.system", "postgresql")
                                    .hasLowCardinalityKeyValue("messaging.operation.type", "process")
                                    .hasLowCardinalityKeyValue("messaging.consumer.group.name", "none")
                                    .hasHighCardinalityKeyValue("messaging.destination.name", "obs.orders")
                                    .hasBeenStopped());
                    TestObservationRegistryAssert.assertThat(observations)
                            .hasObservationWithNameEqualTo("pgnotify.publish")
                            .that()
                            .hasContextualNameEqualTo("obs.orders send")
                            .hasLowCardinalityKeyValue("channel", "obs.orders")
                            .hasLowCardinalityKeyValue("messaging.system", "postgresql")
                            .hasLowCardinalityKeyValue("messaging.operation.type", "send")
                            .hasHighCardinalityKeyValue("messaging.destination.name", "obs.orders")
                            .hasHighCardinalityKeyValue("messaging.batch.message_count", "2")
                            .hasBeenStopped();
                });
    }

    @Test
    void spansAreNamedAfterTheChannelAndTheOperation() {
        ObservedApplications.onTestDatabase()
                .withConfiguration(AutoConfigurations.of(
                        ObservationAutoConfiguration.class, MicrometerTracingAutoConfiguration.class))
                .withBean(Tracer.class, SimpleTracer::new)
                .withBean("orderListener", ObservedApplications.OrderListener.class)
                .run(context -> {
                    SimpleTracer tracer = (SimpleTracer) context.getBean(Tracer.class);
                    context.getBean(PgNotifyTemplate.class).publish("obs.orders", "secret-payload");

                    await().atMost(Duration.ofSeconds(20))
                            .until(() -> tracer.getSpans().stream()
                                    .anyMatch(s -> s.getName().equals("obs.orders process")));
                    assertThat(tracer.getSpans())
                            .extracting(SimpleSpan::getName)
                            .contains("obs.orders send");
                    assertThat(tracer.getSpans())
                            .filteredOn(s -> s.getName().equals("obs.orders process"))
                            .first()
                            .satisfies(span -> assertThat(span.getTags())
                                    .containsEntry("messaging.destination.name", "obs.orders")
                                    .containsEntry("messaging.operation.type", "process"));
                    assertThat(tracer.getSpans())
                            .allSatisfy(span -> assertThat(span.getName() + span.getTags() + span.getEvents())
                                    .doesNotContain("secret-payload"));
                });
    }

    @Test
    void conventionBeansReplaceTheDefaults() {
        ObservedApplications.onTestDatabase()
                .withConfiguration(AutoConfigurations.of(ObservationAutoConfiguration.class))
                .withBean(TestObservationRegistry.class, TestObservationRegistry::create)
                .withBean("orderListener", ObservedApplications.OrderListener.class)
                .withBean(PgNotifyListenerObservationConvention.class, TenantListenerConvention::new)
                .withBean(PgNotifyTemplateObservationConvention.class, TenantTemplateConvention::new)
                .run(context -> {
                    TestObservationRegistry observations = context.getBean(TestObservationRegistry.class);
                    context.getBean(PgNotifyTemplate.class).publish("obs.orders", "x");

                    await().atMost(Duration.ofSeconds(20))
                            .untilAsserted(() -> TestObservationRegistryAssert.assertThat(observations)
                                    .hasObservationWithNameEqualTo("pgnotify.handle")
                                    .that()
                                    .hasContextualNameEqualTo("handled on obs.orders")
                                    .hasLowCardinalityKeyValue("tenant", "acme")
                                    .hasLowCardinalityKeyValue("listener", "orders")
                                    .hasBeenStopped());
                    TestObservationRegistryAssert.assertThat(observations)
                            .hasObservationWithNameEqualTo("pgnotify.publish")
                            .that()
                            .hasLowCardinalityKeyValue("tenant", "acme")
                            .hasLowCardinalityKeyValue("messaging.operation.type", "send");
                });
    }

    /** Keeps the default keys, adds one, and renames the span. */
    static class TenantListenerConvention extends DefaultPgNotifyListenerObservationConvention {

        @Override
        public KeyValues getLowCardinalityKeyValues(PgNotifyListenerObservationContext context) {
            return super.getLowCardinalityKeyValues(context).and("tenant", "acme");
        }

        @Override
        public String getContextualName(PgNotifyListenerObservationContext context) {
            return "handled on " + context.getChannel();
        }
    }

    static class TenantTemplateConvention extends DefaultPgNotifyTemplateObservationConvention {

        @Override
        public KeyValues getLowCardinalityKeyValues(PgNotifyTemplateObservationContext context) {
            return super.getLowCardinalityKeyValues(context).and("tenant", "acme");
        }
    }
}
