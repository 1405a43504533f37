package io.pgnotify.spring.observation;

import io.micrometer.common.KeyValues;
import io.pgnotify.spring.observation.PgNotifyListenerObservation.ListenerHighCardinalityTags;
import io.pgnotify.spring.observation.PgNotifyListenerObservation.ListenerLowCardinalityTags;

/**
 * The default keys of {@code pgnotify.handle}: {@code channel}, {@code listener} and OpenTelemetry's {@code
 * messaging.system=postgresql}, {@code messaging.operation.type=process}, {@code messaging.consumer.group.name} (the
 * durable listener's group, or {@code none}) on span and meter; {@code messaging.destination.name} and {@code
 * pgnotify.sender.pid} on the span only. The span is named {@code <channel> process}. The payload is never recorded.
 */
public class DefaultPgNotifyListenerObservationConvention implements PgNotifyListenerObservationConvention {

    /** A shared instance. */
    public static final DefaultPgNotifyListenerObservationConvention INSTANCE =
            new DefaultPgNotifyListenerObservationConvention();

    static final String NO_GROUP = "none";

    @Override
    public KeyValues getLowCardinalityKeyValues(PgNotifyListenerObservationContext context) {
        String group = context.getGroup();
        return KeyValues.of(
                ListenerLowCardinalityTags.CHANNEL.withValue(context.getChannel()),
                ListenerLowCardinalityTags.LISTENER_ID.withValue(context.getListenerId()),
                ListenerLowCardinalityTags.MESSAGING_SYSTEM.withValue("postgresql"),
                ListenerLowCardinalityTags.MESSAGING_OPERATION_TYPE.withValue("process"),
                ListenerLowCardinalityTags.MESSAGING_CONSUMER_GROUP_NAME.withValue(group != null ? group : NO_GROUP));
    }

    @Override
    public KeyValues getHighCardinalityKeyValues(PgNotifyListenerObservationContext context) {
        return KeyValues.of(
                ListenerHighCardinalityTags.MESSAGING_DESTINATION_NAME.withValue(context.getChannel()),
                ListenerHighCardinalityTags.MESSAGING_SENDER_PID.withValue(
                        String.valueOf(context.getNotification().pid())));
    }

    @Override
    public String getContextualName(PgNotifyListenerObservationContext context) {
        return context.getChannel() + " process";
    }
}
