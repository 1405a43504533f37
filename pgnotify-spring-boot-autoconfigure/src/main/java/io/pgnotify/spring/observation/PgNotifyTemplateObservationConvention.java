package io.pgnotify.spring.observation;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;

/**
 * Names and keys of the {@code pgnotify.publish} observations. A bean of this type replaces {@link
 * DefaultPgNotifyTemplateObservationConvention}; extend that class to add keys and keep the default ones.
 */
public interface PgNotifyTemplateObservationConvention
        extends ObservationConvention<PgNotifyTemplateObservationContext> {

    @Override
    default boolean supportsContext(Observation.Context context) {
        return context instanceof PgNotifyTemplateObservationContext;
    }

    @Override
    default String getName() {
        return PgNotifyTemplateObservation.TEMPLATE_OBSERVATION.getName();
    }
}
