package io.pgnotify.spring;

import io.pgnotify.spring.aot.PgListenerReflectiveProcessor;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.aot.hint.annotation.Reflective;
import org.springframework.core.annotation.AliasFor;

/**
 * Marks a bean method as the handler of notifications on one or more PostgreSQL channels; or, on a bean class, the
 * class as one listener whose {@link PgHandler} methods each take one type of payload.
 *
 * <pre>{@code
 * @PgListener("orders")
 * void onOrder(Order order, Notification notification) { … }
 * }</pre>
 *
 * <p>Channel names are exact, case-sensitive strings ({@code "OrderEvents"} hears {@code pg_notify('OrderEvents', …)})
 * and may hold {@code ${…}} placeholders. Parameters may be, in any order: a {@code String} (the raw payload, {@code ""}
 * when the sender gave none), a {@link io.pgnotify.core.Notification}, and at most one payload parameter of any other
 * type, converted from the JSON payload by the {@link PgPayloadConverter}. A method the framework cannot call fails the
 * application's startup.
 *
 * <p>Each channel's notifications reach the method one at a time and in order, on a worker thread, never on the
 * listening connection's thread. A method that throws is reported to the {@link PgListenerErrorHandler} and does not
 * affect other notifications or listeners. Delivery is at most once: after a reconnect a {@link
 * PgNotifyReconnectedEvent} is published.
 *
 * <p>For native images the method and its payload type are registered for reflection at build time.
 * <p>A failing method is retried in place, on the same worker and before the channel's next notification, as the
 * {@link #retryPolicy()} (or {@code pgnotify.listener.retry.*}) says; only then is the failure given to the error
 * handler. A method that runs past the callback timeout is interrupted and reported to its error handler as a {@link
 * io.pgnotify.core.HandlerTimeoutException}.
 *
 * <p>Every listener id has a {@link PgListenerContainer} in the {@link PgListenerEndpointRegistry}, to stop, start,
 * pause and resume it.
 *
 * <p><b>On a class</b>, the annotation's channels, id (default: the bean name), {@code autoStartup}, {@code
 * errorHandler} and {@code retryPolicy} apply to the class's {@link PgHandler} methods together, served by one
 * container. Each notification goes to the handler that takes the type its JSON payload names in the {@link
 * #typeProperty()}, else to the {@link PgHandler#isDefault() default handler}, else to the error handler as a {@link
 * PgHandlerNotFoundException}; see {@link PgHandler} for the rule. Method-level listeners of the same class are
 * listeners of their own.
 */
@Target({ElementType.METHOD, ElementType.TYPE, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Reflective(PgListenerReflectiveProcessor.class)
public @interface PgListener {

    /**
     * The channels to listen to; an alias for {@link #channels()}.
     *
     * @return the channel names
     */
    @AliasFor("channels")
    String[] value() default {};

    /**
     * The channels to listen to; an alias for {@link #value()}.
     *
     * @return the channel names
     */
    @AliasFor("value")
    String[] channels() default {};

    /**
     * The listener's id in metrics and log lines. Default: {@code beanName#methodName}, or {@code beanName} for a
     * class-level listener. May hold {@code ${…}} placeholders.
     *
     * @return the id, or empty for the default
     */
    String id() default "";

    /**
     * Whether the listener starts with the application context; {@code "true"} or {@code "false"}, may hold {@code ${…}}
     * placeholders. Default (empty): {@code pgnotify.listener.auto-startup}, itself true by default. A listener that
     * does not start with the context is started through its {@link PgListenerContainer}.
     *
     * @return the auto-startup flag, or empty for the default
     */
    String autoStartup() default "";

    /**
     * The name of the {@link PgListenerErrorHandler} bean for this listener. Default (empty): the application's single
     * {@code PgListenerErrorHandler} bean, or one that logs the failure.
     *
     * @return the bean name, or empty for the default
     */
    String errorHandler() default "";

    /**
     * The name of the {@link org.springframework.core.retry.RetryPolicy} bean saying how often and after which back-off
     * a failing call is retried in place. Default (empty): {@code pgnotify.listener.retry.*}, no retry unless set.
     *
     * @return the bean name, or empty for the default
     */
    String retryPolicy() default "";

    /**
     * Whether the method takes batches: its one parameter, a {@code List<String>}, {@code List<Notification>} or
     * {@code List} of a type converted from JSON, receives the channel's notifications that arrived together (read
     * from the connection and waiting for the method), in order, at most {@code pgnotify.listener.batch-size} at a
     * time. A failure, retry or timeout concerns the whole batch. Not for a class-level listener.
     *
     * @return whether the listener takes batches
     */
    boolean batch() default false;

    /**
     * For a class-level listener: the top-level property of the JSON payload that names its type, which chooses the
     * {@link PgHandler} method to call. Default {@code "type"}; may hold {@code ${…}} placeholders. Ignored on a
     * method.
     *
     * @return the property name
     */
    String typeProperty() default "type";
}
