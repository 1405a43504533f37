package io.pgnotify.spring.boot.autoconfigure.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.test.simple.SimpleSpan;
import io.micrometer.tracing.test.simple.SimpleTracer;
import io.pgnotify.spring.PgNotifyTemplate;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration;
import org.springframework.boot.micrometer.tracing.autoconfigure.MicrometerTracingAutoConfiguration;

/** Spring Boot's tracing turns the publish and handle observations into spans, without the payload. */
class PgNotifyTracingTests {

    @Test
    void tracesPublishingAndHandlingWithChannelAndListener() {
        ObservedApplications.onTestDatabase()
                .withConfiguration(AutoConfigurations.of(
                        ObservationAutoConfiguration.class, MicrometerTracingAutoConfiguration.class))
                .withBean(Tracer.class, SimpleTracer::new)
                .withBean("orderListener", ObservedApplications.OrderListener.class)
                .run(context -> {
                    SimpleTracer tracer = (SimpleTracer) context.getBean(Tracer.class);
                    context.getBean(PgNotifyTemplate.class).publish("obs.orders", "secret-payload");

                    await().atMost(Duration.ofSeconds(20))
                            .until(() -> tracer.getSpans().stream().anyMatch(s -> isHandle(s)));

                    SimpleSpan publish = tracer.getSpans().stream()
                            .filter(s -> s.getTags().containsKey("channel") && !isHandle(s))
                            .findFirst()
                            .orElseThrow();
                    assertThat(publish.getTags()).containsEntry("channel", "obs.orders");
                    SimpleSpan handle = tracer.getSpans().stream()
                            .filter(s -> isHandle(s))
                            .findFirst()
                            .orElseThrow();
                    assertThat(handle.getTags())
                            .containsAllEntriesOf(Map.of("channel", "obs.orders", "listener", "orders"));
                    assertThat(tracer.getSpans())
                            .allSatisfy(span -> assertThat(span.getName() + span.getTags() + span.getEvents())
                                    .doesNotContain("secret-payload"));
                });
    }

    private static boolean isHandle(SimpleSpan span) {
        return span.getTags().containsKey("listener");
    }
}
