package io.pgnotify.spring;

import io.pgnotify.spring.aot.PgListenerReflectiveProcessor;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.aot.hint.annotation.Reflective;

/**
 * Marks a method of a class annotated with {@link PgListener} as the handler of one kind of notification on the
 * class's channels, as Spring Kafka's {@code @KafkaHandler} and Spring AMQP's {@code @RabbitHandler} do.
 *
 * <pre>{@code
 * @Component
 * @PgListener(channels = "orders", id = "orders")
 * class OrderEvents {
 *
 *     @PgHandler                        // {"type": "OrderPlaced", "orderId": 42}
 *     void placed(OrderPlaced event) { … }
 *
 *     @PgHandler("cancelled")           // {"type": "cancelled", "orderId": 42}
 *     void cancelled(OrderCancelled event, Notification notification) { … }
 *
 *     @PgHandler(isDefault = true)      // anything else: another type, no type, not JSON
 *     void other(String payload) { … }
 * }
 * }</pre>
 *
 * <p><b>How a handler is chosen.</b> A notification carries no type header, so the payload names its type itself:
 * it is a JSON object whose top-level property {@link PgListener#typeProperty()} ({@code "type"} by default) holds a
 * string. The handler that {@linkplain #value() takes that type} is called, with the payload converted to its
 * parameter's type as for a method-level {@link PgListener} (the type property included: Spring Boot's {@code
 * JsonMapper} ignores properties a class lacks). Every type is taken by at most one handler, which the
 * startup checks, so exactly one handler or none can claim a notification. When none does (a type no handler takes,
 * a payload without the property or whose property is not a string, a payload that is not a JSON object), the
 * {@link #isDefault() default handler} is called; without one, the listener's {@link PgListenerErrorHandler} receives
 * a {@link PgHandlerNotFoundException} naming the channel, the type and the candidates, and nothing is called. Such a
 * notification is not retried.
 *
 * <p>Parameters are those of a method-level {@link PgListener}: a {@code String} (the raw payload), a {@link
 * io.pgnotify.core.Notification}, at most one payload parameter converted from JSON. The channels, id, {@code
 * autoStartup}, {@code errorHandler} and {@code retryPolicy} are the class's: one {@link PgListenerContainer} serves
 * all its handlers. A class-level listener cannot take batches.
 *
 * <p>For native images the method and its payload type are registered for reflection at build time.
 */
@Target({ElementType.METHOD, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Reflective(PgListenerReflectiveProcessor.class)
public @interface PgHandler {

    /**
     * The types this handler takes: the values of the payload's {@link PgListener#typeProperty()} it is called for,
     * compared exactly. Default (empty): the simple name of its payload parameter's class ({@code "OrderPlaced"} for
     * an {@code OrderPlaced} parameter), as Jackson names a type by default. A handler without a payload parameter to
     * convert must name its types or be the default.
     *
     * @return the type names, or empty for the payload parameter's simple class name
     */
    String[] value() default {};

    /**
     * Whether this handler takes the notifications that no other handler takes. At most one handler of a class may be
     * the default; it also takes the types it names in {@link #value()}, if any.
     *
     * @return whether this is the default handler
     */
    boolean isDefault() default false;
}
