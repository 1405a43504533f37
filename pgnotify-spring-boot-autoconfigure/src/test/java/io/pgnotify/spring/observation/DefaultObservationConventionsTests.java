package io.pgnotify.spring.observation;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.common.KeyValue;
import io.pgnotify.core.Notification;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The keys and names of the default conventions, context by context. */
class DefaultObservationConventionsTests {

    private final DefaultPgNotifyListenerObservationConvention listener =
            DefaultPgNotifyListenerObservationConvention.INSTANCE;
    private final DefaultPgNotifyTemplateObservationConvention template =
            DefaultPgNotifyTemplateObservationConvention.INSTANCE;

    @Test
    void aPlainListenerHasTheMessagingKeysAndNoGroup() {
        var context = new PgNotifyListenerObservationContext(notification("orders"), "orderListener", null);

        assertThat(listener.getName()).isEqualTo("pgnotify.handle");
        assertThat(listener.getContextualName(context)).isEqualTo("orders process");
        assertThat(listener.getLowCardinalityKeyValues(context))
                .containsExactlyInAnyOrder(
                        KeyValue.of("channel", "orders"),
                        KeyValue.of("listener", "orderListener"),
                        KeyValue.of("messaging.system", "postgresql"),
                        KeyValue.of("messaging.operation.type", "process"),
                        KeyValue.of("messaging.consumer.group.name", "none"));
        assertThat(listener.getHighCardinalityKeyValues(context))
                .containsExactlyInAnyOrder(
                        KeyValue.of("messaging.destination.name", "orders"),
                        KeyValue.of("pgnotify.sender.pid", "4242"));
    }

    @Test
    void aDurableListenerNamesItsConsumerGroup() {
        var context = new PgNotifyListenerObservationContext(notification("orders"), "billing", "billing-group");

        assertThat(listener.getLowCardinalityKeyValues(context))
                .contains(KeyValue.of("messaging.consumer.group.name", "billing-group"));
    }

    @Test
    void aSendHasTheMessagingKeysAndTheBatchSize() {
        var context = new PgNotifyTemplateObservationContext("orders", 3);

        assertThat(template.getName()).isEqualTo("pgnotify.publish");
        assertThat(template.getContextualName(context)).isEqualTo("orders send");
        assertThat(template.getLowCardinalityKeyValues(context))
                .containsExactlyInAnyOrder(
                        KeyValue.of("channel", "orders"),
                        KeyValue.of("messaging.system", "postgresql"),
                        KeyValue.of("messaging.operation.type", "send"));
        assertThat(template.getHighCardinalityKeyValues(context))
                .containsExactlyInAnyOrder(
                        KeyValue.of("messaging.destination.name", "orders"),
                        KeyValue.of("messaging.batch.message_count", "3"));
    }

    @Test
    void theDocumentationListsEveryKeyTheConventionsSet() {
        var listenerContext = new PgNotifyListenerObservationContext(notification("c"), "l", "g");
        assertThat(listener.getLowCardinalityKeyValues(listenerContext).stream().map(KeyValue::getKey))
                .containsExactlyInAnyOrderElementsOf(
                        keys(PgNotifyListenerObservation.LISTENER_OBSERVATION.getLowCardinalityKeyNames()));
        assertThat(listener.getHighCardinalityKeyValues(listenerContext).stream()
                        .map(KeyValue::getKey))
                .containsExactlyInAnyOrderElementsOf(
                        keys(PgNotifyListenerObservation.LISTENER_OBSERVATION.getHighCardinalityKeyNames()));
        var templateContext = new PgNotifyTemplateObservationContext("c", 1);
        assertThat(template.getLowCardinalityKeyValues(templateContext).stream().map(KeyValue::getKey))
                .containsExactlyInAnyOrderElementsOf(
                        keys(PgNotifyTemplateObservation.TEMPLATE_OBSERVATION.getLowCardinalityKeyNames()));
        assertThat(template.getHighCardinalityKeyValues(templateContext).stream()
                        .map(KeyValue::getKey))
                .containsExactlyInAnyOrderElementsOf(
                        keys(PgNotifyTemplateObservation.TEMPLATE_OBSERVATION.getHighCardinalityKeyNames()));
    }

    @Test
    void eachConventionSupportsOnlyItsOwnContext() {
        var listenerContext = new PgNotifyListenerObservationContext(notification("c"), "l", null);
        var templateContext = new PgNotifyTemplateObservationContext("c", 1);

        assertThat(listener.supportsContext(listenerContext)).isTrue();
        assertThat(listener.supportsContext(templateContext)).isFalse();
        assertThat(template.supportsContext(templateContext)).isTrue();
        assertThat(template.supportsContext(listenerContext)).isFalse();
    }

    private static java.util.List<String> keys(io.micrometer.common.docs.KeyName[] names) {
        return java.util.Arrays.stream(names)
                .map(io.micrometer.common.docs.KeyName::asString)
                .toList();
    }

    private static Notification notification(String channel) {
        return new Notification(channel, "secret-payload", 4242, Instant.now());
    }
}
