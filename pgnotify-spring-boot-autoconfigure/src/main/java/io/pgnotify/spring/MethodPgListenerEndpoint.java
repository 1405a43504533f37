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
 * One {@link PgListener} method, or the {@link PgHandler} methods of a class-level {@link PgListener}, on one channel:
 * picks the method (for a class-level listener, by the payload's type), turns a notification into its arguments and
 * calls it, retrying in place as its retry policy says. The last failure is given to the error handler and then
 * rethrown, so the notifier's hooks (metrics) see it too.
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
    private final @Nullable PgHandlerMethods handlers;
    // The notification being handled and the method chosen for it, for a timeout reported after the call.
    private volatile @Nullable Call current;

    MethodPgListenerEndpoint(
            ListenerMethod listenerMethod,
            String channel,
            @Nullable PgPayloadConverter converter,
            PgListenerErrorHandler errorHandler,
            ObservationRegistry observationRegistry,
            @Nullable PgNotifyListenerObservationConvention observationConvention,
            @Nullable RetryPolicy retryPolicy,
            int batchSize,
            @Nullable PgHandlerMethods handlers) {
        this.listenerMethod = listenerMethod;
        this.handlers = handlers;
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
        Call call = current;
        ListenerMethod target = call != null && call.notification() == notification ? call.target() : listenerMethod;
        errorHandler.handleError(notification, endpointFor(target), timeout);
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
                        ListenerMethod target = select(notification);
                        invoke(notification, target, () -> arguments(target, notification));
                        return;
                    }
                    List<Notification> notifications = batch.collect(notification);
                    if (!notifications.isEmpty()) {
                        invoke(notification, listenerMethod, () -> new Object[] {batchArgument(notifications)});
                    }
                });
    }

    /** The method to call: the listener's own, or the class-level listener's handler for the payload's type. */
    private ListenerMethod select(Notification notification) {
        if (handlers == null) {
            return listenerMethod;
        }
        try {
            return handlers.select(notification, id(), requireConverter());
        } catch (PgHandlerNotFoundException e) {
            errorHandler.handleError(notification, this, e);
            throw e;
        }
    }

    private void invoke(Notification notification, ListenerMethod target, Arguments arguments) throws Exception {
        current = new Call(notification, target);
        Throwable failure;
        try {
            if (retry == null) {
                call(target, arguments);
            } else {
                retry.execute(() -> {
                    call(target, arguments);
                    return null;
                });
            }
            return;
        } catch (RetryException e) {
            failure = e.getLastException();
        } catch (Exception e) {
            failure = e;
        }
        errorHandler.handleError(notification, endpointFor(target), failure);
        if (failure instanceof Exception exception) {
            throw exception;
        }
        throw (Error) failure;
    }

    /** This endpoint, or for a class-level listener's handler a view of it naming that handler's method. */
    private PgListenerEndpoint endpointFor(ListenerMethod target) {
        return target == listenerMethod ? this : new HandlerEndpoint(this, target.declaredMethod());
    }

    private void call(ListenerMethod target, Arguments arguments) throws Exception {
        try {
            target.invocableMethod().invoke(target.bean(), arguments.get());
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            if (cause instanceof Exception exception) {
                throw exception;
            }
            throw (Error) cause;
        }
    }

    private @Nullable Object[] arguments(ListenerMethod target, Notification notification) {
        ListenerMethod.Parameter[] parameters = target.parameters();
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
        return requireConverter().fromPayload(payload, type);
    }

    private PgPayloadConverter requireConverter() {
        if (converter == null) {
            throw new IllegalStateException("No PgPayloadConverter to read the payloads of " + this);
        }
        return converter;
    }

    @Override
    public String toString() {
        return "PgListener[" + id() + " on '" + channel + "']";
    }

    private record Call(Notification notification, ListenerMethod target) {}

    /** A class-level listener's endpoint as its error handler sees it: {@link #method()} is the handler that failed. */
    private record HandlerEndpoint(MethodPgListenerEndpoint endpoint, Method method) implements PgListenerEndpoint {

        @Override
        public String id() {
            return endpoint.id();
        }

        @Override
        public String beanName() {
            return endpoint.beanName();
        }

        @Override
        public List<String> channels() {
            return endpoint.channels();
        }

        @Override
        public String toString() {
            return endpoint + " (" + method.getName() + ")";
        }
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
