package io.pgnotify.spring;

import io.micrometer.observation.ObservationRegistry;
import io.pgnotify.core.Notification;
import io.pgnotify.core.NotificationHandler;
import io.pgnotify.spring.observation.DefaultPgNotifyListenerObservationConvention;
import io.pgnotify.spring.observation.PgNotifyListenerObservation;
import io.pgnotify.spring.observation.PgNotifyListenerObservationContext;
import io.pgnotify.spring.observation.PgNotifyListenerObservationConvention;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Type;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One {@link PgListener} method on one channel: turns a notification into the method's arguments and calls it. The
 * failure is given to the error handler and then rethrown, so the notifier's hooks (metrics) see it too.
 */
final class MethodPgListenerEndpoint implements PgListenerEndpoint, NotificationHandler {

    private final ListenerMethod listenerMethod;
    private final String channel;
    private final @Nullable PgPayloadConverter converter;
    private final PgListenerErrorHandler errorHandler;
    private final ObservationRegistry observationRegistry;
    private final @Nullable PgNotifyListenerObservationConvention observationConvention;

    MethodPgListenerEndpoint(
            ListenerMethod listenerMethod,
            String channel,
            @Nullable PgPayloadConverter converter,
            PgListenerErrorHandler errorHandler,
            ObservationRegistry observationRegistry,
            @Nullable PgNotifyListenerObservationConvention observationConvention) {
        this.listenerMethod = listenerMethod;
        this.channel = channel;
        this.converter = converter;
        this.errorHandler = errorHandler;
        this.observationRegistry = observationRegistry;
        this.observationConvention = observationConvention;
    }

    @Override
    public String id() {
        return listenerMethod.id();
    }

    @Override
    public String beanName() {
        return listenerMethod.beanName();
    }

    @Override
    public Method method() {
        return listenerMethod.declaredMethod();
    }

    @Override
    public List<String> channels() {
        return List.of(channel);
    }

    String channel() {
        return channel;
    }

    @Override
    public void handle(Notification notification) throws Exception {
        PgNotifyListenerObservation.LISTENER_OBSERVATION
                .observation(
                        observationConvention,
                        DefaultPgNotifyListenerObservationConvention.INSTANCE,
                        () -> new PgNotifyListenerObservationContext(notification, id(), null),
                        observationRegistry)
                .observeChecked(() -> invoke(notification));
    }

    private void invoke(Notification notification) throws Exception {
        Throwable failure;
        try {
            listenerMethod.invocableMethod().invoke(listenerMethod.bean(), arguments(notification));
            return;
        } catch (InvocationTargetException e) {
            failure = e.getCause() != null ? e.getCause() : e;
        } catch (Exception e) {
            failure = e;
        }
        errorHandler.handleError(notification, this, failure);
        if (failure instanceof Exception exception) {
            throw exception;
        }
        throw (Error) failure;
    }

    private @Nullable Object[] arguments(Notification notification) {
        ListenerMethod.Parameter[] parameters = listenerMethod.parameters();
        @Nullable Object[] arguments = new Object[parameters.length];
        for (int i = 0; i < parameters.length; i++) {
            arguments[i] = switch (parameters[i].kind()) {
                case NOTIFICATION -> notification;
                case STRING -> notification.payload();
                case CONVERTED -> convert(notification.payload(), parameters[i].type());
            };
        }
        return arguments;
    }

    private @Nullable Object convert(String payload, Type type) {
        if (converter == null) {
            throw new IllegalStateException("No PgPayloadConverter to convert the payload to " + type.getTypeName());
        }
        return converter.fromPayload(payload, type);
    }

    @Override
    public String toString() {
        return "PgListener[" + id() + " on '" + channel + "']";
    }
}
