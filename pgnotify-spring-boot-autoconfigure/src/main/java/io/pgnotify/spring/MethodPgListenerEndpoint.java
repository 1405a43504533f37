package io.pgnotify.spring;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.pgnotify.core.Notification;
import io.pgnotify.core.NotificationHandler;
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
    private final @Nullable RetryTemplate retry;

    MethodPgListenerEndpoint(
            ListenerMethod listenerMethod,
            String channel,
            @Nullable PgPayloadConverter converter,
            PgListenerErrorHandler errorHandler,
            ObservationRegistry observationRegistry,
            @Nullable RetryPolicy retryPolicy) {
        this.listenerMethod = listenerMethod;
        this.retry = retryPolicy != null ? new RetryTemplate(new UninterruptedRetries(retryPolicy)) : null;
        this.channel = channel;
        this.converter = converter;
        this.errorHandler = errorHandler;
        this.observationRegistry = observationRegistry;
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

    /** The method ran past the callback timeout and was interrupted: its error handler is told. */
    void timedOut(Notification notification, Throwable timeout) {
        errorHandler.handleError(notification, this, timeout);
    }

    @Override
    public void handle(Notification notification) throws Exception {
        Observation.createNotStarted("pgnotify.handle", observationRegistry)
                .contextualName("pgnotify handle " + channel)
                .lowCardinalityKeyValue("channel", channel)
                .lowCardinalityKeyValue("listener", id())
                .observeChecked(() -> invoke(notification));
    }

    private void invoke(Notification notification) throws Exception {
        Throwable failure;
        try {
            if (retry == null) {
                call(notification);
            } else {
                retry.execute(() -> {
                    call(notification);
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

    private void call(Notification notification) throws Exception {
        try {
            listenerMethod.invocableMethod().invoke(listenerMethod.bean(), arguments(notification));
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
