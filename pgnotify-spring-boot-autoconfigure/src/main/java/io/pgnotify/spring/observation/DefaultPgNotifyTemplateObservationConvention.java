package io.pgnotify.spring.observation;

import io.micrometer.common.KeyValues;
import io.pgnotify.spring.observation.PgNotifyTemplateObservation.TemplateHighCardinalityTags;
import io.pgnotify.spring.observation.PgNotifyTemplateObservation.TemplateLowCardinalityTags;

/**
 * The default keys of {@code pgnotify.publish}: {@code channel} and OpenTelemetry's {@code messaging.system=postgresql}
 * and {@code messaging.operation.type=send} on span and meter; {@code messaging.destination.name} and {@code
 * messaging.batch.message_count} on the span only. The span is named {@code <channel> send}. The payload is never
 * recorded.
 */
public class DefaultPgNotifyTemplateObservationConvention implements PgNotifyTemplateObservationConvention {

    /** A shared instance. */
    public static final DefaultPgNotifyTemplateObservationConvention INSTANCE =
            new DefaultPgNotifyTemplateObservationConvention();

    @Override
    public KeyValues getLowCardinalityKeyValues(PgNotifyTemplateObservationContext context) {
        return KeyValues.of(
                TemplateLowCardinalityTags.CHANNEL.withValue(context.getChannel()),
                TemplateLowCardinalityTags.MESSAGING_SYSTEM.withValue("postgresql"),
                TemplateLowCardinalityTags.MESSAGING_OPERATION_TYPE.withValue("send"));
    }

    @Override
    public KeyValues getHighCardinalityKeyValues(PgNotifyTemplateObservationContext context) {
        return KeyValues.of(
                TemplateHighCardinalityTags.MESSAGING_DESTINATION_NAME.withValue(context.getChannel()),
                TemplateHighCardinalityTags.MESSAGING_BATCH_MESSAGE_COUNT.withValue(
                        String.valueOf(context.getCount())));
    }

    @Override
    public String getContextualName(PgNotifyTemplateObservationContext context) {
        return context.getChannel() + " send";
    }
}
