package io.pgnotify.spring.observation;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;

/**
 * Names and keys of the {@code pgnotify.handle} observations. A bean of this type replaces {@link
 * DefaultPgNotifyListenerObservationConvention}; extend that class to add keys and keep the default ones.
 */
public interface PgNotifyListenerObservationConvention
        extends ObservationConvention<PgNotifyListenerObservationContext> {

    @Override
    default boolean supportsContext(Observation.Context context) {
        return context instanceof PgNotifyListenerObservationContext;
    }

    @Override
    default String getName() {
        return PgNotifyListenerObservation.LISTENER_OBSERVATION.getName();
    }
}
