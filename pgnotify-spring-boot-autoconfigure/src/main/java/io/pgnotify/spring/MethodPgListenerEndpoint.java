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
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.core.retry.RetryException;
import org.springframework.core.retry.RetryPolicy;
import org.springframework.core.retry.RetryTemplate;
import org.springframework.util.backoff.BackOff;

/**
 * One {@link PgListener} method on one channel: turns a notification into the method's arguments and calls it,
 * retrying in place as its retry policy says. The last failure is given to the error handler and then rethrown, so the
 * notifier's hooks (metrics) see it too.
 */
final class MethodPgListenerEndpoint implements PgListenerEndpoint, NotificationHandler {

    private final ListenerMethod listenerMethod;
    private final String channel;
    private final @Nullable PgPayloadConverter converter;
    private final PgListenerErrorHandler errorHandler;
    private final ObservationRegistry observationRegistry;
    private final @Nullable PgNotifyListenerObservationConvention observationConvention;
    private final @Nullable RetryTemplate retry;
    private final @Nullable BatchCollector batch;

    MethodPgListenerEndpoint(
            ListenerMethod listenerMethod,
            String channel,
            @Nullable PgPayloadConverter converter,
            PgListenerErrorHandler errorHandler,
            ObservationRegistry observationRegistry,
            @Nullable PgNotifyListenerObservationConvention observationConvention,
            @Nullable RetryPolicy retryPolicy,
            int batchSize) {
        this.listenerMethod = listenerMethod;
        this.batch = listenerMethod.isBatch() ? new BatchCollector(batchSize) : null;
        this.retry = retryPolicy != null ? new RetryTemplate(new UninterruptedRetries(retryPolicy)) : null;
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

    Object bean() {
        return listenerMethod.bean();
    }

    /** A batch listener's collector of what arrived together, or {@code null} for a listener of one at a time. */
    @Nullable
    BatchCollector batch() {
        return batch;
    }

    /** The method ran past the callback timeout and was interrupted: its error handler is told. */
    void timedOut(Notification notification, Throwable timeout) {
        errorHandler.handleError(notification, this, timeout);
    }

    @Override
    public void handle(Notification notification) throws Exception {
        PgNotifyListenerObservation.LISTENER_OBSERVATION
                .observation(
                        observationConvention,
                        DefaultPgNotifyListenerObservationConvention.INSTANCE,
                        () -> new PgNotifyListenerObservationContext(notification, id(), null),
                        observationRegistry)
                .observeChecked(() -> {
                    if (batch == null) {
                        invoke(notification, () -> arguments(notification));
                        return;
                    }
                    List<Notification> notifications = batch.collect(notification);
                    if (!notifications.isEmpty()) {
                        invoke(notification, () -> new Object[] {batchArgument(notifications)});
                    }
                });
    }

    private void invoke(Notification notification, Arguments arguments) throws Exception {
        Throwable failure;
        try {
            if (retry == null) {
                call(arguments);
            } else {
                retry.execute(() -> {
                    call(arguments);
                    return null;
                });
            }
            return;
        } catch (RetryException e) {
            failure = e.getLastException();
        } catch (Exception e) {
            failure = e;
        }
        errorHandler.handleError(notification, this, failure);
        if (failure instanceof Exception exception) {
            throw exception;
        }
        throw (Error) failure;
    }

    private void call(Arguments arguments) throws Exception {
        try {
            listenerMethod.invocableMethod().invoke(listenerMethod.bean(), arguments.get());
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            if (cause instanceof Exception exception) {
                throw exception;
            }
            throw (Error) cause;
        }
    }

    private @Nullable Object[] arguments(Notification notification) {
        ListenerMethod.Parameter[] parameters = listenerMethod.parameters();
        @Nullable Object[] arguments = new Object[parameters.length];
        for (int i = 0; i < parameters.length; i++) {
            arguments[i] = switch (parameters[i].kind()) {
                case NOTIFICATION -> notification;
                case STRING -> notification.payload();
                case CONVERTED -> convert(notification.payload(), parameters[i].type());
                default -> throw new IllegalStateException("Not a batch listener: " + parameters[i].kind());
            };
        }
        return arguments;
    }

    private List<@Nullable Object> batchArgument(List<Notification> notifications) {
        ListenerMethod.Parameter parameter = listenerMethod.parameters()[0];
        List<@Nullable Object> values = new java.util.ArrayList<>(notifications.size());
        for (Notification notification : notifications) {
            values.add(
                    switch (parameter.kind()) {
                        case BATCH_NOTIFICATION -> notification;
                        case BATCH_STRING -> notification.payload();
                        default -> convert(notification.payload(), parameter.type());
                    });
        }
        return values;
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

    @FunctionalInterface
    private interface Arguments {
        @Nullable
        Object[] get();
    }

    /** Never retries on a thread that was interrupted: the callback timeout or the shutdown asked it to stop. */
    private record UninterruptedRetries(RetryPolicy delegate) implements RetryPolicy {

        @Override
        public boolean shouldRetry(Throwable throwable) {
            return !Thread.currentThread().isInterrupted()
                    && !(throwable instanceof InterruptedException)
                    && delegate.shouldRetry(throwable);
        }

        @Override
        public BackOff getBackOff() {
            return delegate.getBackOff();
        }

        @Override
        public Duration getTimeout() {
            return delegate.getTimeout();
        }
    }
}
