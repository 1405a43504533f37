package io.pgnotify.core.durable;

import org.jspecify.annotations.Nullable;

/**
 * Hooks into durable delivery, for metrics and logging. Every method has an empty default; hooks run on consumer
 * threads, must return quickly, and an exception they throw is logged and ignored.
 */
public interface DurableListener {

    /**
     * A handler returned normally.
     *
     * @param group the group
     * @param message the message
     */
    default void onDelivered(String group, DurableMessage message) {}

    /**
     * A handler failed and the message will be retried.
     *
     * @param group the group
     * @param message the message
     * @param error what the handler threw
     */
    default void onRetry(String group, DurableMessage message, Throwable error) {}

    /**
     * A message reached {@code maxAttempts} and was dead-lettered; the group moves on.
     *
     * @param group the group
     * @param message the message
     * @param error the last failure
     */
    default void onDeadLetter(String group, DurableMessage message, Throwable error) {}

    /**
     * The consumer's lease was taken over while it held a batch; the rest of the batch is dropped.
     *
     * @param channel the channel
     * @param group the group
     */
    default void onLeaseLost(String channel, String group) {}

    /**
     * A database operation of a consumer failed; it is retried.
     *
     * @param channel the channel
     * @param group the group, or {@code null} for retention
     * @param error what failed
     */
    default void onError(String channel, @Nullable String group, Throwable error) {}
}
