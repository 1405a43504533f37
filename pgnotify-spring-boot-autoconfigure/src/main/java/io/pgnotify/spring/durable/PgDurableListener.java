package io.pgnotify.spring.durable;

import io.pgnotify.spring.aot.PgListenerReflectiveProcessor;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.aot.hint.annotation.Reflective;

/**
 * Marks a bean method as the handler of a durable channel for a consumer group: every message committed to the channel
 * reaches the group at least once, in commit order, one at a time; across the application's instances one handles it.
 * With {@link #partitions()} above 1, the channel is spread over partitions by message key: commit order per key, one
 * message at a time per partition, partitions in parallel (across threads and instances).
 *
 * <p>Parameters as for {@code @PgListener}: at most one payload ({@code String}, or a type converted from JSON) and at
 * most one {@link io.pgnotify.core.durable.DurableMessage} (with {@code id()}, to use as an idempotency key, and
 * {@code attempt()}). A method that throws has its message retried with backoff, then dead-lettered.
 *
 * <p>When the method is {@code @Transactional} on the application's DataSource, the acknowledgement commits in the
 * method's transaction: its database work is done once.
 *
 * <pre>{@code
 * @PgDurableListener(channel = "orders", group = "billing")
 * void bill(Order order, DurableMessage message) { ... }
 * }</pre>
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Reflective(PgListenerReflectiveProcessor.class)
public @interface PgDurableListener {

    /**
     * The channel, exact and case-sensitive; placeholders are resolved.
     *
     * @return the channel
     */
    String channel();

    /**
     * The consumer group; placeholders are resolved. Empty means {@code spring.application.name}.
     *
     * @return the group
     */
    String group() default "";

    /**
     * How many partitions the group spreads the channel over (1 to 256); placeholders are resolved. A message's
     * partition is a stable hash of its key (a message without a key is in partition 0). Empty means {@code
     * pgnotify.durable.partitions} (default 1). An existing group keeps the count it was created with: another count
     * fails the startup until the group is repartitioned ({@code DurableChannels.repartition}).
     *
     * @return the partition count, or empty
     */
    String partitions() default "";

    /**
     * Whether the method takes a batch: its one parameter, a {@code List} of {@code String}, of {@code DurableMessage}
     * or of a type converted from JSON, receives up to {@code pgnotify.durable.batch-size} messages in order. The method
     * must be {@code @Transactional} on the application's DataSource: the batch and its acknowledgement commit in one
     * transaction, one commit per batch instead of one per message. When it throws, the batch is handed over again
     * one message at a time (lists of one), so the failing message is retried and dead-lettered on its own.
     *
     * @return whether the method takes a batch
     */
    boolean batch() default false;
}
