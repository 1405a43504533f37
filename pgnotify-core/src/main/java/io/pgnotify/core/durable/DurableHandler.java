package io.pgnotify.core.durable;

/**
 * Handles the messages of one (channel, group): one at a time, in commit order. Returning acknowledges the message
 * (the group's position advances once per batch); throwing makes it be retried with backoff and, after
 * {@code maxAttempts}, dead-lettered. A message may be handed over again after a fault: {@link DurableMessage#attempt()}
 * is then greater than 1.
 */
@FunctionalInterface
public interface DurableHandler {

    /**
     * Handles one message.
     *
     * @param message the message
     * @throws Exception to have it retried
     */
    void handle(DurableMessage message) throws Exception;
}
