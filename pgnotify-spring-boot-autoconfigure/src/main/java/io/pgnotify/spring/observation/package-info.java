/**
 * The observations pgnotify makes: {@code pgnotify.publish} for every send of the {@link
 * io.pgnotify.spring.PgNotifyTemplate} and {@code pgnotify.handle} for every notification a {@link
 * io.pgnotify.spring.PgListener} method handles, with OpenTelemetry's messaging keys. Their key names are listed in
 * {@link io.pgnotify.spring.observation.PgNotifyTemplateObservation} and {@link
 * io.pgnotify.spring.observation.PgNotifyListenerObservation}; a bean of {@link
 * io.pgnotify.spring.observation.PgNotifyTemplateObservationConvention} or {@link
 * io.pgnotify.spring.observation.PgNotifyListenerObservationConvention} replaces the default names and keys.
 */
@NullMarked
package io.pgnotify.spring.observation;

import org.jspecify.annotations.NullMarked;
