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
 * Marks a bean method as the handler of notifications on one or more PostgreSQL channels.
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
 */
@Target({ElementType.METHOD, ElementType.ANNOTATION_TYPE})
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
     * The listener's id in metrics and log lines. Default: {@code beanName#methodName}. May hold {@code ${…}}
     * placeholders.
     *
     * @return the id, or empty for the default
     */
    String id() default "";
}
